package io.cohort.coordinator.grpc;

import io.cohort.coordinator.DomainException;
import io.cohort.coordinator.node.NodeRegistry;
import io.cohort.coordinator.node.NodeSession;
import io.cohort.coordinator.round.JobScheduler;
import io.cohort.coordinator.round.OpenTasks;
import io.cohort.proto.v1.PushUpdateRequest;
import io.cohort.proto.v1.PushUpdateResponse;
import io.cohort.proto.v1.UpdateHeader;
import io.cohort.wire.TensorAssembler;
import io.cohort.wire.WireFormatException;
import io.grpc.stub.StreamObserver;

/**
 * One client-streaming update upload: a header, checked before any bytes are accepted, then
 * chunks reassembled and verified. The first failure ends the call with its status.
 */
final class UpdateUpload implements StreamObserver<PushUpdateRequest> {
  private final StreamObserver<PushUpdateResponse> out;
  private final NodeRegistry registry;
  private final JobScheduler scheduler;
  private final io.cohort.coordinator.provenance.ModelReceiptIntake receipts;
  private final long maxUpdateBytes;
  private UpdateHeader header;
  private NodeSession session;
  private OpenTasks tasks;
  private TensorAssembler assembler;
  private boolean failed;

  UpdateUpload(StreamObserver<PushUpdateResponse> out, NodeRegistry registry, JobScheduler scheduler,
      io.cohort.coordinator.provenance.ModelReceiptIntake receipts, long maxUpdateBytes) {
    this.out = out;
    this.registry = registry;
    this.scheduler = scheduler;
    this.receipts = receipts;
    this.maxUpdateBytes = maxUpdateBytes;
  }

  @Override
  public void onNext(PushUpdateRequest msg) {
    if (failed) {
      return;
    }
    try {
      if (msg.hasHeader()) {
        if (header != null) {
          throw DomainException.invalid("update stream carries a second header");
        }
        header = msg.getHeader();
        session = registry.authenticate(header.getSession().getNodeId(), header.getSession().getSessionId());
        tasks = scheduler.driver(header.getJobId()).tasks();
        tasks.checkUpdate(session, header.getTaskId(), header.getRound());
        if (header.hasModelReceipt() && header.getRound() > 0) {
          // Issue 21 #6: kept for the export manifest once it checks out; a bad one refuses the update.
          receipts.accept(session.nodeId(), scheduler.driver(header.getJobId()).spec(), header.getRound(),
              tasks.receivedModel(header.getRound()), header.getModelReceipt());
        }
        NodeResultChecks.numExamples(header.getNumExamples());
        assembler = new TensorAssembler(header.getUpdate(), maxUpdateBytes);
      } else if (msg.hasChunk()) {
        if (assembler == null) {
          throw DomainException.invalid("update stream must start with a header");
        }
        assembler.accept(msg.getChunk());
      } else {
        throw DomainException.invalid("update stream message has neither header nor chunk");
      }
    } catch (WireFormatException e) {
      fail(DomainException.invalid(e.getMessage()));
    } catch (RuntimeException e) {
      fail(e);
    }
  }

  private void fail(Throwable t) {
    failed = true;
    out.onError(GrpcErrors.toStatus(t));
  }

  @Override
  public void onError(Throwable t) {
    failed = true; // the node went away mid-upload; the round treats it as a dropout
  }

  @Override
  public void onCompleted() {
    if (failed) {
      return;
    }
    try {
      if (assembler == null) {
        throw DomainException.invalid("update stream ended before its header");
      }
      var update = NodeResultChecks.update(session, header.getNumExamples(), assembler.finish());
      tasks.deliverUpdate(session, header.getTaskId(), header.getRound(), update);
    } catch (WireFormatException e) {
      fail(DomainException.invalid(e.getMessage()));
      return;
    } catch (RuntimeException e) {
      fail(e);
      return;
    }
    out.onNext(PushUpdateResponse.getDefaultInstance());
    out.onCompleted();
  }
}
