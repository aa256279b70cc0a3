package io.cohort.coordinator.rest;

import io.cohort.coordinator.DomainException;
import io.cohort.coordinator.app.JobService;
import io.cohort.coordinator.store.JobRecord;
import io.cohort.coordinator.store.JobStore;
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
import java.util.List;

/** Jobs: submit a YAML job file, list jobs, and read one job with its offers and rounds. */
@Path("/api/v1/jobs")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class JobResource {
  @Inject JobService jobs;
  @Inject JobStore store;

  @POST
  @Consumes({"application/yaml", "text/yaml", "application/x-yaml", MediaType.TEXT_PLAIN})
  public Response submit(String yaml, @QueryParam("source") String source) {
    if (yaml == null || yaml.isBlank()) {
      throw DomainException.invalid("the request body must be a YAML job file");
    }
    JobSpec spec = jobs.submit(yaml, source == null || source.isBlank() ? "job file" : source);
    JobRecord job = store.job(spec.getJobId()).orElseThrow();
    return Response.status(201).entity(Views.JobSummary.of(job)).build();
  }

  @GET
  public List<Views.JobSummary> list() {
    return store.jobs().stream().map(Views.JobSummary::of).toList();
  }

  @GET
  @Path("{jobId}")
  public Views.JobDetail get(@PathParam("jobId") String jobId) {
    JobRecord job = store.job(jobId).orElseThrow(() -> DomainException.notFound("no job '" + jobId + "'"));
    var rounds = store.rounds(jobId);
    int lastRoundNodes = rounds.isEmpty() ? 0 : rounds.get(rounds.size() - 1).participants().size();
    return new Views.JobDetail(Views.JobSummary.of(job, lastRoundNodes),
        store.decisions(jobId).stream().map(Views.Decision::of).toList(),
        rounds.stream().map(Views.Round::of).toList());
  }
}
