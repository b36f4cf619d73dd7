/**
 * The V8 flags the gateway process runs with, wherever it runs: the container's CMD
 * (apps/gateway/Dockerfile, checked by infra/tests/deployment-config.test.ts) and every gateway
 * the tests and the bench spawn (testing/spawn-gateway.ts), so the bench measures what is deployed.
 *
 * A young generation of 32 MB semi-spaces instead of V8's 16 MB: a 1,000-follower fan-out makes
 * tens of MB of short-lived objects (decisions, payloads, the slices' JSON, a thousand answers), and
 * with the default they were promoted and scavenged several times per fan-out. Measured with the
 * bench's fan-out alone (20 fan-outs, two pairs of runs): gateway CPU per fan-out 198 / 199 → 180 /
 * 175 ms, answered p50 47.5 / 49.0 → 45.3 / 43.1 ms; the gateway's peak RSS the same (265–279 MB).
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=32'];
