#!/usr/bin/env bash
# Healthy when both ports accept connections (bash's /dev/tcp: no extra tools in the image).
exec 3<>/dev/tcp/127.0.0.1/"${COHORT_GRPC_PORT:-9090}" && exec 4<>/dev/tcp/127.0.0.1/"${COHORT_HTTP_PORT:-8080}"
