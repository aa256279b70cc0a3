package io.cohort.coordinator.rest;

import io.cohort.adminapi.CurvesView;
import io.cohort.adminapi.JobDetail;
import io.cohort.adminapi.JobSummary;
import io.cohort.adminapi.RoundMetrics;
import io.cohort.adminapi.RoundView;
import io.cohort.coordinator.DomainException;
import io.cohort.coordinator.app.JobService;
import io.cohort.coordinator.store.JobRecord;
import io.cohort.coordinator.store.JobStore;
import io.cohort.coordinator.store.ModelStore;
import io.cohort.coordinator.store.NodeEvaluation;
import io.cohort.coordinator.store.RoundRecord;
import io.cohort.crypto.Digests;
import io.cohort.proto.v1.JobSpec;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import io.cohort.coordinator.store.PrivacyAuditStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;

/** Jobs: submit, list, read, cancel, rounds, per-round metrics and the export of the final model. */
@Path("/api/v1/jobs")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class JobResource {
  /** Response headers of an export. */
  public static final String FILE_SHA256 = "X-Cohort-File-SHA256";
  public static final String MODEL_SHA256 = "X-Cohort-Model-SHA256";
  public static final String ROUND = "X-Cohort-Round";

  @Inject JobService jobs;
  @Inject JobStore store;
  @Inject ModelStore models;
  @Inject CurrentCaller caller;
  @Inject PrivacyAuditStore audits;

  @POST
  @Consumes({"application/yaml", "text/yaml", "application/x-yaml", MediaType.TEXT_PLAIN})
  public Response submit(String yaml, @QueryParam("source") String source) {
    if (yaml == null || yaml.isBlank()) {
      throw DomainException.invalid("the request body must be a YAML job file");
    }
    JobSpec spec = jobs.submit(yaml, source == null || source.isBlank() ? "job file" : source, caller.actor());
    JobRecord job = store.job(spec.getJobId()).orElseThrow();
    return Response.status(201).entity(Views.jobSummary(job)).build();
  }

  @GET
  public List<JobSummary> list() {
    return store.jobs().stream().map(Views::jobSummary).toList();
  }

  @GET
  @Path("{jobId}")
  public JobDetail get(@PathParam("jobId") String jobId) {
    JobRecord job = job(jobId);
    var rounds = store.rounds(jobId);
    int lastRoundNodes = rounds.isEmpty() ? 0 : rounds.get(rounds.size() - 1).participants().size();
    java.util.Map<Integer, List<NodeEvaluation>> perNode = store.nodeEvaluations(jobId).stream()
        .collect(java.util.stream.Collectors.groupingBy(NodeEvaluation::round));
    return new JobDetail(Views.jobSummary(job, lastRoundNodes),
        store.decisions(jobId).stream().map(Views::decision).toList(),
        rounds.stream().map(r -> Views.round(r, perNode.getOrDefault(r.round(), List.of()))).toList(),
        audits.audits(jobId).stream().map(Views::privacyAudit).toList(), NodeEvaluation.describe(job.spec()));
  }

  /**
   * Issue 23 #7: the ROC and precision-recall curves of a round's pooled evaluation ({@code round}, or by
   * default the newest round that kept its score histograms). 404 when there is no such round: a job without
   * a binary classification evaluation yet, or a round evaluated before the histograms were kept.
   */
  @GET
  @Path("{jobId}/curves")
  public CurvesView curves(@PathParam("jobId") String jobId, @QueryParam("round") Integer round) {
    job(jobId);
    List<RoundRecord> rounds = store.rounds(jobId);
    for (int i = rounds.size() - 1; i >= 0; i--) {
      int r = rounds.get(i).round();
      if (round != null && r != round) {
        continue;
      }
      var histograms = store.scoreHistograms(jobId, r);
      if (histograms.isPresent()) {
        return Views.curves(r, histograms.get());
      }
      if (round != null) {
        break;
      }
    }
    throw DomainException.notFound(round == null
        ? "job " + jobId + " has no round with ROC and precision-recall curves (a binary classification job has"
            + " them once a round is evaluated)"
        : "round " + round + " of job " + jobId + " has no ROC and precision-recall curves (not completed, not"
            + " evaluated yet, or not a binary classification job)");
  }

  @POST
  @Path("{jobId}/cancel")
  public JobSummary cancel(@PathParam("jobId") String jobId) {
    jobs.cancel(jobId, caller.actor());
    return Views.jobSummary(job(jobId));
  }

  /**
   * Issue 23 #2: the feature statistics the job's nodes impute and scale with (the federation's, with
   * standardize federated, once its statistics round has run).
   */
  @GET
  @Path("{jobId}/statistics")
  public io.cohort.adminapi.FeatureStatisticsView statistics(@PathParam("jobId") String jobId) {
    JobRecord job = job(jobId);
    return FeatureStatisticsViews.of(job.spec(), job.spec().hasTabular() ? models.readStatistics(jobId)
        : java.util.Optional.empty());
  }

  @GET
  @Path("{jobId}/rounds")
  public List<RoundView> rounds(@PathParam("jobId") String jobId) {
    job(jobId);
    return store.rounds(jobId).stream().map(Views::round).toList();
  }

  /** One row per completed round: the pooled evaluation with the round's size and duration. */
  @GET
  @Path("{jobId}/metrics")
  public List<RoundMetrics> metrics(@PathParam("jobId") String jobId) {
    job(jobId);
    return store.rounds(jobId).stream().map(Views::roundMetrics).toList();
  }

  /**
   * The global model of the job's last completed round, as stored (the {@code TensorFiles}
   * bundle format), with its SHA-256 over the file in {@value #FILE_SHA256} and over the tensor
   * bytes (as in the round records) in {@value #MODEL_SHA256}. 409 before the first round.
   */
  @GET
  @Path("{jobId}/export")
  @Produces(MediaType.APPLICATION_OCTET_STREAM)
  public Response export(@PathParam("jobId") String jobId) {
    JobRecord job = job(jobId);
    List<RoundRecord> rounds = store.rounds(jobId);
    if (rounds.isEmpty()) {
      throw DomainException.precondition("job " + jobId + " (" + job.state() + ") has no completed round to export");
    }
    RoundRecord last = rounds.get(rounds.size() - 1);
    java.nio.file.Path file = models.file(last.modelId());
    try {
      return Response.ok(file.toFile(), MediaType.APPLICATION_OCTET_STREAM)
          .header("Content-Disposition", "attachment; filename=\"" + jobId + "-round-" + last.round() + ".bundle\"")
          .header(FILE_SHA256, Digests.hex(Digests.sha256(file)))
          .header(MODEL_SHA256, last.modelSha256())
          .header(ROUND, last.round())
          .header("Content-Length", Files.size(file))
          .build();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the model of job " + jobId + " round " + last.round(), e);
    }
  }

  private JobRecord job(String jobId) {
    return store.job(jobId).orElseThrow(() -> DomainException.notFound("no job '" + jobId + "'"));
  }
}
