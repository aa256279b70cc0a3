package io.cohort.adminapi;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One ledger entry a node uploaded, in {@code GET /api/v1/privacy}. The mechanism parameters and
 * {@code signature_verified} come from the signed line the coordinator stored (checked against the
 * node's registered identity key when it was received); an entry without one reports neither.
 * {@code mechanism} is {@code poisson-gaussian} for a DP-SGD round and {@code gaussian-evaluation} for the
 * charge of a noised evaluation (issue 19 #3), {@code gaussian-statistics} for the noised federated feature
 * statistics of round 0 (issue 23 #2); {@code unit} is the privacy unit its epsilon protects,
 * {@code record} or the column that names the person (issue 19 #2).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PrivacyEntry(@JsonProperty("node_id") String nodeId, String dataset,
    @JsonProperty("entry_seq") long entrySeq, @JsonProperty("job_id") String jobId, Integer round,
    @JsonProperty("epsilon_after") double epsilonAfter, double delta,
    @JsonProperty("entry_sha256") String entrySha256, @JsonProperty("received_at") String receivedAt,
    String mechanism, @JsonProperty("sampling_rate") Double samplingRate,
    @JsonProperty("noise_multiplier") Double noiseMultiplier, @JsonProperty("clip_norm") Double clipNorm,
    Long steps, String accountant, @JsonProperty("recorded_at_ms") Long recordedAtMs,
    @JsonProperty("signature_verified") Boolean signatureVerified, String unit) {}
