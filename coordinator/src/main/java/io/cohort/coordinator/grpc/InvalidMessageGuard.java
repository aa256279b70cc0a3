package io.cohort.coordinator.grpc;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.InputStream;

/**
 * Makes a request that is not a valid protobuf message fail with INVALID_ARGUMENT, naming the
 * expected message type.
 *
 * <p>Why: grpc-java parses requests before any application code runs and reports a parse failure
 * as UNKNOWN ("Application error processing RPC"), which tells a client nothing. Here each
 * method's request marshaller returns a per-method sentinel instead of throwing, and the handler
 * answers the sentinel with INVALID_ARGUMENT, dropping the rest of that call only; the server
 * keeps serving.
 */
final class InvalidMessageGuard {
  /** Bytes of a message holding only unknown field 536870911 = 0: valid for any message type. */
  private static final byte[] SENTINEL_BYTES = {(byte) 0xF8, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F, 0x00};

  private InvalidMessageGuard() {}

  static ServerServiceDefinition wrap(ServerServiceDefinition service) {
    ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(service.getServiceDescriptor().getName());
    for (ServerMethodDefinition<?, ?> m : service.getMethods()) {
      b.addMethod(guard(m));
    }
    return b.build();
  }

  private static <Q, R> ServerMethodDefinition<Q, R> guard(ServerMethodDefinition<Q, R> def) {
    MethodDescriptor<Q, R> md = def.getMethodDescriptor();
    MethodDescriptor.Marshaller<Q> original = md.getRequestMarshaller();
    Q sentinel = original.parse(new ByteArrayInputStream(SENTINEL_BYTES));
    String type = sentinel.getClass().getSimpleName();
    MethodDescriptor.Marshaller<Q> lenient = new MethodDescriptor.Marshaller<>() {
      @Override
      public InputStream stream(Q value) {
        return original.stream(value);
      }

      @Override
      public Q parse(InputStream stream) {
        try {
          return original.parse(stream);
        } catch (RuntimeException notProtobuf) {
          return sentinel;
        }
      }
    };
    MethodDescriptor<Q, R> guarded = md.toBuilder(lenient, md.getResponseMarshaller()).build();
    ServerCallHandler<Q, R> handler = def.getServerCallHandler();
    return ServerMethodDefinition.create(guarded, new ServerCallHandler<Q, R>() {
      @Override
      public ServerCall.Listener<Q> startCall(ServerCall<Q, R> call, Metadata headers) {
        ServerCall.Listener<Q> delegate = handler.startCall(call, headers);
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<Q>(delegate) {
          private boolean rejected;

          @Override
          public void onMessage(Q message) {
            if (rejected) {
              return;
            }
            if (message == sentinel) {
              rejected = true;
              call.close(Status.INVALID_ARGUMENT.withDescription(
                  "request is not a valid cohort.v1." + type + " message"), new Metadata());
              return;
            }
            super.onMessage(message);
          }

          @Override
          public void onHalfClose() {
            if (!rejected) {
              super.onHalfClose();
            }
          }

          @Override
          public void onReady() {
            if (!rejected) {
              super.onReady();
            }
          }
        };
      }
    });
  }
}
