// `npm run demo -- --exit` as a user runs it: its own stand-ins, the controller as a child process, the
// topology printed from moto, and a clean stop.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { skipIfAskedTo } from './support/stand-ins.ts';

describe('demo --exit', function () {
  it('converges both seed Ingresses and the NLB Service, and prints the topology, the status and the AWS calls', async function () {
    skipIfAskedTo(this);
    this.timeout(45 * 60_000);
    const child = spawn(process.execPath, [join(import.meta.dirname, '..', '..', 'src', 'main.ts'), 'demo', '--exit'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0, `demo failed:\n${err.slice(-3000)}\n${out}`);
    assert.match(out, /Both Ingresses and the echo Service converged/);
    assert.equal(out.match(/^Load balancer k8s-default-/gm)?.length, 3);
    // the L4 door: the echo Service's NLB with a TCP and a TLS listener, the seeded certificate, pod targets
    assert.match(out, /^Load balancer k8s-default-echo-[0-9a-f]{10} {2}\(network, Service default\/echo, internet-facing\)$/m);
    assert.match(out, /^ {2}Listener TCP:7 {2}default: forward → k8s-default-echo-[0-9a-f]{10}$/m);
    assert.match(out, /^ {2}Listener TLS:443 {2}default: forward → k8s-default-echo-[0-9a-f]{10} {2}certificate arn:aws:acm:us-east-1:\d+:certificate\//m);
    assert.match(out, /\(ip, port 8007\): 2 targets/);
    assert.match(out, /\(ip, port 8443\): 2 targets/);
    assert.match(out, /default\/echo: k8s-default-echo-[0-9a-f]+-1\.us-east-1\.elb\.amazonaws\.com ports 7\/TCP,443\/TCP {2}\[SuccessfullyReconciled\] {2}finalizers: service\.k8s\.aws\/resources/);
    assert.match(out, /rule {3}1 {2}if host-header shop\.example\.com AND path-pattern \/products,\/products\/\*/);
    assert.match(out, /host-header admin\.example\.com/);
    assert.match(out, /\(ip, port 8080\): 2 targets/);
    assert.match(out, /\(instance, port \d+\): 2 targets/);
    assert.match(out, /default\/path-based-ingress: k8s-default-pathbase-[0-9a-f]+-1\.us-east-1\.elb\.amazonaws\.com ports 80 {2}\[SuccessfullyReconciled\]/);
    assert.match(out, /AWS calls made by the controller \(\d+\)/);
    assert.match(err, /stopping the stand-ins/);
  });
});
