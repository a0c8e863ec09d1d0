// The controller as its own process serving its admission webhooks over TLS on 127.0.0.1, for suites that
// register them with the stand-in kube-apiserver (url + caBundle).
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startControllerProcess, type ControllerProcess } from '../../../src/cli/demo-command.ts';
import { makeApiserverPki } from '../../../src/stand-ins/certs.ts';
import { waitFor } from '../../../src/stand-ins/wait.ts';
import { running, seeded } from './stand-ins.ts';

export interface WebhookCerts {
  /** holds tls.crt and tls.key (a certificate for 127.0.0.1) and ca.crt */
  readonly dir: string;
  /** the CA, base64, for a webhook configuration's clientConfig.caBundle */
  readonly caBundle: string;
}

/** a CA and a serving certificate for 127.0.0.1 in a fresh directory, as the webhook's tls.crt / tls.key */
export function webhookCerts(): WebhookCerts {
  const dir = mkdtempSync(join(tmpdir(), 'alb-webhook-certs-'));
  const pki = makeApiserverPki(dir);
  copyFileSync(pki.servingCert, join(dir, 'tls.crt'));
  copyFileSync(pki.servingKey, join(dir, 'tls.key'));
  return { dir, caBundle: readFileSync(pki.caCert).toString('base64') };
}

/** starts the controller (no leader election, hourly resync) serving its webhooks on a free port; resolves once ready */
export async function startWebhookController(o: { readonly certDir: string; readonly logFile: string; readonly extraArgs?: readonly string[] }): Promise<{ ctrl: ControllerProcess; port: number }> {
  const s = running();
  const port = await freePort();
  const ctrl = await startControllerProcess({
    clusterName: s.clusterName, kubeconfig: s.controllerKubeconfigPath, region: s.region, vpcId: seeded().vpcId, awsEndpoint: s.motoUrl, logFile: o.logFile,
    extraArgs: ['--sync-period=1h', '--enable-leader-election=false', `--webhook-cert-dir=${o.certDir}`, `--webhook-bind-port=${port}`, ...(o.extraArgs ?? [])],
  });
  await waitFor('controller ready (caches synced, webhook listening)', () => ctrl.ready(), 60_000);
  return { ctrl, port };
}
