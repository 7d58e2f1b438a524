// One load run with whichever generator this machine has, and the check that
// the run itself was clean: no socket errors, no >= 400 answers, and the bytes
// received match what the verified responses weigh (a 200 where a 206 was
// expected, or an error body, changes the bytes per response).
import { runAutocannon } from './autocannon.mjs';
import { runNodeClient } from './node-client.mjs';
import { runWrk } from './wrk.mjs';

/** Above this response size the autocannon fallback hands over to node-client.mjs (autocannon buffers bodies). */
const LARGE_RESPONSE = 4 * 1024 * 1024;

/**
 * `env` is { generator: 'wrk' | 'autocannon', pin }; `run` is { origin, plan,
 * connections, seconds, timeoutSeconds, responseBytes? }.
 */
export function load(env, run) {
  const generator = env.generator === 'wrk' ? runWrk : run.responseBytes > LARGE_RESPONSE ? runNodeClient : runAutocannon;
  return generator({ ...run, pin: env.pin });
}

/**
 * Throws when a measured run is not trustworthy. `responseBytes` is the mean
 * size (headers + body) of the responses checked before loading; responses
 * still in flight when the run stops may add up to one response per
 * connection, on top of a 10% allowance for header variation.
 */
export function checkRun(result, { responseBytes, connections }) {
  const { connect, read, write, status, timeout } = result.errors;
  const problems = [];
  if (status > 0) problems.push(`${status} answers with status >= 400`);
  if (connect + read + write + timeout > 0) problems.push(`socket errors: connect ${connect}, read ${read}, write ${write}, timeout ${timeout}`);
  if (responseBytes !== undefined) {
    const expected = result.requests * responseBytes;
    const slack = connections * responseBytes + 0.1 * expected;
    if (Math.abs(result.bytes - expected) > slack) {
      problems.push(`received ${result.bytes} bytes for ${result.requests} responses, expected about ${Math.round(expected)} (${Math.round(responseBytes)} each)`);
    }
  }
  if (result.requests === 0 && result.bytes === 0) problems.push('no response at all');
  if (problems.length > 0) throw new Error(problems.join('; '));
}
