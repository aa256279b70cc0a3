package io.cohort.coordinator.metrics;

import com.google.protobuf.MessageLite;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** Counts the serialized bytes of every message nodes send, per gRPC method. */
@ApplicationScoped
@GlobalInterceptor
public class ReceivedBytesInterceptor implements ServerInterceptor {
  @Inject CoordinatorMetrics metrics;

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
      ServerCallHandler<Q, A> next) {
    String method = call.getMethodDescriptor().getBareMethodName();
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
      @Override
      public void onMessage(Q message) {
        if (message instanceof MessageLite m) {
          metrics.bytesReceived(method, m.getSerializedSize());
        }
        super.onMessage(message);
      }
    };
  }
}
