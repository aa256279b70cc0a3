package io.cohort.coordinator.rest;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.cohort.coordinator.DomainException;
import io.cohort.coordinator.store.JobRecord;
import io.cohort.coordinator.store.JobStore;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * A job's spec as the coordinator stored it (the parsed job file), as JSON with the proto's
 * field names; read-only, for the dashboard's job page and for auditors.
 */
@Path("/api/v1/job-specs")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class JobSpecResource {
  private static final JsonFormat.Printer JSON = JsonFormat.printer().preservingProtoFieldNames();

  @Inject JobStore store;

  @GET
  @Path("{jobId}")
  public String get(@PathParam("jobId") String jobId) {
    JobRecord job = store.job(jobId).orElseThrow(() -> DomainException.notFound("no job '" + jobId + "'"));
    try {
      return JSON.print(job.spec());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("the spec of job " + jobId + " cannot be written as JSON", e);
    }
  }
}
