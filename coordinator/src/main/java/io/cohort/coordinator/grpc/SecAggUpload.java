package io.cohort.coordinator.grpc;

import io.cohort.coordinator.DomainException;
import io.cohort.coordinator.node.NodeRegistry;
import io.cohort.coordinator.node.NodeSession;
import io.cohort.coordinator.round.JobScheduler;
import io.cohort.coordinator.round.OpenTasks;
import io.cohort.crypto.secagg.Receipt;
import io.cohort.proto.v1.PushSecAggRequest;
import io.cohort.proto.v1.PushSecAggResponse;
import io.cohort.proto.v1.SecAggHeader;
import io.grpc.stub.StreamObserver;

/**
 * One client-streaming secure-aggregation upload: a header, checked before any bytes are
 * accepted (session, open task, round, stage, size), then in-order chunks of at most 1 MiB that
 * must add up to exactly the announced size. The assembled bytes go to the round as one message;
 * the library's receipt becomes the status. The bytes are never logged.
 */
final class SecAggUpload implements StreamObserver<PushSecAggRequest> {
  static final int MAX_CHUNK_BYTES = 1 << 20;

  private final StreamObserver<PushSecAggResponse> out;
  private final NodeRegistry registry;
  private final JobScheduler scheduler;
  private final io.cohort.coordinator.provenance.ModelReceiptIntake receipts;
  private final long maxBytes;
  private SecAggHeader header;
  private NodeSession session;
  private OpenTasks tasks;
  private byte[] buffer;
  private int filled;
  private boolean failed;

  SecAggUpload(StreamObserver<PushSecAggResponse> out, NodeRegistry registry, JobScheduler scheduler,
      io.cohort.coordinator.provenance.ModelReceiptIntake receipts, long maxBytes) {
    this.out = out;
    this.registry = registry;
    this.scheduler = scheduler;
    this.receipts = receipts;
    this.maxBytes = Math.min(maxBytes, Integer.MAX_VALUE - 64L); // one Java array
  }

  @Override
  public void onNext(PushSecAggRequest msg) {
    if (failed) {
      return;
    }
    try {
      if (msg.hasHeader()) {
        if (header != null) {
          throw DomainException.invalid("secure-aggregation stream carries a second header");
        }
        header = msg.getHeader();
        session = registry.authenticate(header.getSession().getNodeId(), header.getSession().getSessionId());
        if (header.getTotalBytes() < 1 || header.getTotalBytes() > maxBytes) {
          throw DomainException.invalid("total_bytes must be between 1 and " + maxBytes + ", got " + header.getTotalBytes());
        }
        tasks = scheduler.driver(header.getJobId()).tasks();
        tasks.checkSecAgg(session, header.getTaskId(), header.getRound(), header.getStage());
        if (header.hasModelReceipt() && header.getStage() == io.cohort.proto.v1.SecAggStage.SEC_AGG_STAGE_ADVERTISE_KEYS) {
          // Issue 21 #6: the node's receipt of the round's global model, kept once it checks out.
          receipts.accept(session.nodeId(), scheduler.driver(header.getJobId()).spec(), header.getRound(),
              tasks.receivedModel(header.getRound()), header.getModelReceipt());
        }
        buffer = new byte[(int) header.getTotalBytes()];
      } else if (msg.getPartCase() == PushSecAggRequest.PartCase.CHUNK) {
        if (buffer == null) {
          throw DomainException.invalid("secure-aggregation stream must start with a header");
        }
        var chunk = msg.getChunk();
        if (chunk.size() > MAX_CHUNK_BYTES || chunk.size() > buffer.length - filled) {
          throw DomainException.invalid("chunk of " + chunk.size() + " bytes exceeds 1 MiB or the announced total_bytes");
        }
        chunk.copyTo(buffer, filled);
        filled += chunk.size();
      } else {
        throw DomainException.invalid("secure-aggregation stream message has neither header nor chunk");
      }
    } catch (RuntimeException e) {
      fail(e);
    }
  }

  private void fail(Throwable t) {
    failed = true;
    buffer = null;
    out.onError(GrpcErrors.toStatus(t));
  }

  @Override
  public void onError(Throwable t) {
    failed = true; // the node went away mid-upload: the stage treats it as a dropout
    buffer = null;
  }

  @Override
  public void onCompleted() {
    if (failed) {
      return;
    }
    Receipt receipt;
    try {
      if (buffer == null) {
        throw DomainException.invalid("secure-aggregation stream ended before its header");
      }
      if (filled != buffer.length) {
        throw DomainException.invalid("secure-aggregation stream carried " + filled + " of " + buffer.length + " bytes");
      }
      receipt = tasks.deliverSecAgg(session, header.getTaskId(), header.getRound(), header.getStage(), buffer);
    } catch (RuntimeException e) {
      fail(e);
      return;
    } finally {
      buffer = null;
    }
    if (!receipt.isAccepted()) {
      failed = true;
      out.onError(GrpcErrors.toStatus(receipt));
      return;
    }
    out.onNext(PushSecAggResponse.getDefaultInstance());
    out.onCompleted();
  }
}
