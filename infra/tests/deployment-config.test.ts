// The deployment files parse and agree with the code: compose, the Kubernetes manifests and the
// CI workflow are valid YAML with the expected shape; every service has an image, ports, env and
// probes; and every environment variable a service reads (extracted from its sources) is set or
// defaulted in its .env.sample, in compose, in the Kubernetes manifests and in the Container Apps
// Bicep — so a new variable without a deployment entry fails here, not at a production start.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { ROOT } from './support/processes';
import { consoleEnv, serviceEnv } from './support/service-env';

type Obj = Record<string, unknown>;
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');
const obj = (v: unknown, what: string): Obj => {
  assert.ok(v && typeof v === 'object' && !Array.isArray(v), `${what} is a mapping`);
  return v as Obj;
};

/** Deployment name → what it runs and which variables it must carry. */
const DEPLOYED = {
  gateway: { app: 'apps/gateway', port: 8081, health: '/trade-agent/v1/health', vars: () => serviceEnv('gateway').vars },
  'admin-api': { app: 'apps/admin-api', port: 8082, health: '/admin/v1/health', vars: () => serviceEnv('admin-api').vars },
  'web-frontend': { app: 'apps/opsconsole', port: 8080, health: '/healthz', vars: consoleEnv },
} as const;
type Deployed = keyof typeof DEPLOYED;
const NAMES = Object.keys(DEPLOYED) as Deployed[];

function envSample(app: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of read(`${app}/.env.sample`).split('\n')) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

describe('variables the services read', () => {
  test('extraction finds the known ones (the pattern still matches the config style)', () => {
    const g = serviceEnv('gateway').vars;
    const a = serviceEnv('admin-api').vars;
    for (const v of ['DATABASE_URL', 'PORT', 'HOST', 'KOPITRA_SECRET_KEY', 'LOG_LEVEL', 'KOPITRA_LONG_POLL_MAX_SECONDS']) assert.ok(g.includes(v), `gateway reads ${v}`);
    for (const v of ['DATABASE_URL', 'PORT', 'KOPITRA_SECRET_KEY', 'KOPITRA_ADMIN_EMAIL', 'KOPITRA_ADMIN_TOKEN_TTL_SECONDS']) assert.ok(a.includes(v), `admin-api reads ${v}`);
    assert.deepEqual(consoleEnv(), ['KOPITRA_ADMIN_API_UPSTREAM']);
    console.log(`env: gateway ${g.length} variables, admin-api ${a.length}, console ${consoleEnv().length}`);
  });

  for (const name of NAMES) {
    test(`${name}: .env.sample lists every variable`, () => {
      const sample = envSample(DEPLOYED[name].app);
      const missing = DEPLOYED[name].vars().filter((v) => !sample.has(v));
      assert.deepEqual(missing, [], `${DEPLOYED[name].app}/.env.sample lacks ${missing.join(', ')}`);
    });
  }
});

describe('compose.yaml', () => {
  const compose = obj(parse(read('compose.yaml')), 'compose.yaml');
  const services = obj(compose.services, 'services');

  test('the five services, and `up gateway admin-api web-frontend` pulls in its dependencies', () => {
    assert.deepEqual(Object.keys(services).sort(), ['admin-api', 'azurite', 'gateway', 'postgres', 'web-frontend']);
    for (const [name, s] of Object.entries(services)) {
      for (const dep of Object.keys(obj(s, name).depends_on ?? {})) assert.ok(dep in services, `${name} depends on defined ${dep}`);
    }
    assert.ok('postgres' in obj(obj(services.gateway, 'gateway').depends_on, 'gateway.depends_on'));
    assert.ok('azurite' in obj(obj(services['admin-api'], 'admin-api').depends_on, 'admin-api.depends_on'));
  });

  for (const name of NAMES) {
    test(`${name}: image, build, port, healthcheck, every variable set`, () => {
      const s = obj(services[name], name);
      const spec = DEPLOYED[name];
      assert.match(String(s.image), new RegExp(`/${name}:`));
      const build = obj(s.build, `${name}.build`);
      assert.equal(build.context, '.');
      assert.ok(existsSync(join(ROOT, String(build.dockerfile))), `${build.dockerfile} exists`);
      assert.ok((s.ports as string[]).some((p) => String(p).endsWith(`:${spec.port}`)), `${name} publishes ${spec.port}`);
      const hc = (obj(s.healthcheck, `${name}.healthcheck`).test as string[]).join(' ');
      assert.ok(hc.includes(`${spec.port}${spec.health}`), `${name} healthcheck probes ${spec.health}: ${hc}`);
      // Set in environment, or defaulted through the env_file .env.sample compose loads.
      const environment = obj(s.environment, `${name}.environment`);
      const envFiles = (s.env_file as Array<{ path: string }>).map((f) => f.path);
      assert.ok(envFiles.includes(`${spec.app}/.env.sample`), `${name} loads ${spec.app}/.env.sample`);
      const fromFile = envSample(spec.app);
      const missing = spec.vars().filter((v) => !(v in environment) && !fromFile.has(v));
      assert.deepEqual(missing, [], `compose ${name} lacks ${missing.join(', ')}`);
      // Inside the compose network the services must not point at localhost.
      for (const v of ['DATABASE_URL', 'AZURE_STORAGE_CONNECTION_STRING', 'KOPITRA_ADMIN_API_UPSTREAM']) {
        if (v in environment) assert.doesNotMatch(String(environment[v]), /localhost|127\.0\.0\.1/, `${name}.${v}`);
      }
    });
  }

  test('both Node services share one secret key (EA secrets sealed by one are opened by the other)', () => {
    const key = (n: string) => obj(obj(services[n], n).environment, n).KOPITRA_SECRET_KEY;
    assert.equal(key('gateway'), key('admin-api'));
  });
});

describe('Dockerfiles', () => {
  for (const name of NAMES) {
    test(`${name}: multi-stage, non-root, HEALTHCHECK on the health route`, () => {
      const df = read(`${DEPLOYED[name].app}/Dockerfile`);
      assert.ok((df.match(/^FROM /gm) ?? []).length >= 2, 'a build stage and a runtime stage');
      assert.match(df, /^USER (node|101)$/m);
      assert.match(df, /^HEALTHCHECK /m);
      assert.ok(df.includes(DEPLOYED[name].health), `probes ${DEPLOYED[name].health}`);
      assert.match(df, new RegExp(`^EXPOSE ${DEPLOYED[name].port}$`, 'm'));
      if (name !== 'web-frontend') {
        assert.match(df, /bundle-services\.mjs \/out /, 'bundled with esbuild in the build stage');
        assert.doesNotMatch(df.split(/^FROM .* AS runtime$/m)[1] ?? '', /npm (ci|install)|node_modules/, 'runtime stage carries no node_modules');
      }
    });
  }

  test('gateway: the container runs node with the flags the tests and the bench spawn it with, and no others', () => {
    const cmd = /^CMD (\[.*\])$/m.exec(read('apps/gateway/Dockerfile'))?.[1];
    assert.ok(cmd, 'a CMD in exec form');
    const argv = JSON.parse(cmd) as string[];
    assert.equal(argv[0], 'node');
    assert.deepEqual(argv.filter((a) => a.startsWith('--')), [...GATEWAY_NODE_FLAGS]);
  });

  // --enable-source-maps keeps a bundle's parsed source map on the heap: measured with the
  // gateway's, +48 MB and a fan-out's planning 4-5 times slower (docs/performance.md, session 13).
  for (const app of ['apps/gateway', 'apps/admin-api']) {
    test(`${app}: the container runs without --enable-source-maps`, () => {
      const cmd = /^CMD (\[.*\])$/m.exec(read(`${app}/Dockerfile`))?.[1];
      assert.ok(cmd, 'a CMD in exec form');
      assert.ok(!(JSON.parse(cmd) as string[]).includes('--enable-source-maps'));
    });
  }
});

interface K8sDoc { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; spec?: Obj; data?: Record<string, string> }

function k8sDocs(): K8sDoc[] {
  const dir = join(ROOT, 'infra/k8s');
  const docs: K8sDoc[] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.yaml')).sort()) {
    for (const d of parseAllDocuments(readFileSync(join(dir, f), 'utf8'))) {
      assert.deepEqual(d.errors, [], `${f} parses`);
      const v = d.toJS() as K8sDoc | null;
      if (v) docs.push(v);
    }
  }
  return docs;
}

describe('Kubernetes manifests (infra/k8s)', () => {
  const docs = k8sDocs();
  const find = (kind: string, name: string) => docs.find((d) => d.kind === kind && d.metadata.name === name);

  test('kustomization lists every manifest file; everything in namespace kopitra', () => {
    const k = obj(parse(read('infra/k8s/kustomization.yaml')), 'kustomization');
    const files = readdirSync(join(ROOT, 'infra/k8s')).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort();
    assert.deepEqual([...(k.resources as string[])].sort(), files);
    for (const d of docs.filter((x) => x.kind !== 'Namespace' && x.kind !== 'Kustomization')) assert.equal(d.metadata.namespace, 'kopitra', `${d.kind}/${d.metadata.name}`);
  });

  for (const name of NAMES) {
    test(`${name}: deployment with image, port, probes, limits, every variable; service, HPA, PDB`, () => {
      const spec = DEPLOYED[name];
      const dep = find('Deployment', name);
      assert.ok(dep, `Deployment ${name}`);
      const pod = obj(obj(dep.spec!.template, 'template').spec, 'pod spec');
      const [c] = pod.containers as Array<Obj>;
      assert.equal(c!.image, `kopitra/${name}`);
      assert.ok((c!.ports as Array<{ containerPort: number }>).some((p) => p.containerPort === spec.port));
      for (const probe of ['readinessProbe', 'livenessProbe']) {
        assert.equal(obj(obj(c![probe], probe).httpGet, 'httpGet').path, spec.health, `${name} ${probe}`);
      }
      const res = obj(c!.resources, 'resources');
      assert.ok(obj(res.requests, 'requests').cpu && obj(res.requests, 'requests').memory && obj(res.limits, 'limits').memory, 'requests and limits');
      const sc = obj(pod.securityContext, 'securityContext');
      assert.equal(sc.runAsNonRoot, true);

      const set = new Set<string>();
      for (const e of (c!.env as Array<{ name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }> | undefined) ?? []) {
        set.add(e.name);
        const ref = e.valueFrom?.secretKeyRef;
        if (ref) {
          const spc = docs.find((d) => d.kind === 'SecretProviderClass')!;
          const synced = (spc.spec!.secretObjects as Array<{ secretName: string; data: Array<{ key: string }> }>).find((s) => s.secretName === ref.name);
          assert.ok(synced?.data.some((x) => x.key === ref.key), `${name}: ${ref.name}/${ref.key} is synced from Key Vault`);
        }
      }
      for (const from of (c!.envFrom as Array<{ configMapRef?: { name: string } }> | undefined) ?? []) {
        const cm = find('ConfigMap', from.configMapRef!.name);
        assert.ok(cm, `ConfigMap ${from.configMapRef!.name}`);
        for (const k of Object.keys(cm.data ?? {})) set.add(k);
      }
      const missing = spec.vars().filter((v) => !set.has(v));
      assert.deepEqual(missing, [], `k8s ${name} lacks ${missing.join(', ')}`);

      const svc = find('Service', name);
      assert.ok(svc && (svc.spec!.ports as Array<{ port: number }>).some((p) => p.port === spec.port), `Service ${name}`);
      const hpa = find('HorizontalPodAutoscaler', name);
      assert.ok(hpa && Number(hpa.spec!.minReplicas) >= 1, `HPA ${name}`);
      assert.ok(find('PodDisruptionBudget', name), `PDB ${name}`);
    });
  }

  test('ingress routes EAs to the gateway and operators to the console and /admin/v1', () => {
    const ing = docs.find((d) => d.kind === 'Ingress')!;
    const backends = (ing.spec!.rules as Array<{ http: { paths: Array<{ path: string; backend: { service: { name: string } } }> } }>)
      .flatMap((r) => r.http.paths.map((p) => `${p.path}->${p.backend.service.name}`));
    assert.ok(backends.includes('/trade-agent/v1->gateway'));
    assert.ok(backends.includes('/admin/v1->admin-api'));
    assert.ok(backends.includes('/->web-frontend'));
    for (const b of backends) assert.ok(find('Service', b.split('->')[1]!), `backend ${b} is a Service`);
  });
});

describe('.github/workflows/ci-cd.yml', () => {
  const wf = obj(parse(read('.github/workflows/ci-cd.yml')), 'workflow');
  const jobs = obj(wf.jobs, 'jobs');

  test('test job: PostgreSQL and Azurite services, lint, types, tests with KOPITRA_TEST_DATABASE_URL', () => {
    const t = obj(jobs.test, 'test');
    const services = obj(t.services, 'services');
    assert.match(String(obj(services.postgres, 'postgres').image), /^postgres:/);
    assert.match(String(obj(services.azurite, 'azurite').image), /azurite/);
    assert.match(String(obj(t.env, 'env').KOPITRA_TEST_DATABASE_URL), /^postgres:\/\//);
    const runs = (t.steps as Array<{ run?: string }>).map((s) => s.run ?? '').join('\n');
    for (const cmd of ['npm ci', 'npm run lint', 'npm run typecheck', 'scripts/run-tests.mjs']) assert.ok(runs.includes(cmd), cmd);
  });

  test('images job builds every Dockerfile and pushes to ACR; deploy needs it', () => {
    const images = obj(jobs.images, 'images');
    assert.deepEqual(images.needs, 'test');
    const matrix = (obj(obj(images.strategy, 'strategy').matrix, 'matrix').service as Array<{ name: string; dockerfile: string }>);
    assert.deepEqual(matrix.map((m) => m.name).sort(), [...NAMES].sort());
    for (const m of matrix) assert.ok(existsSync(join(ROOT, m.dockerfile)), m.dockerfile);
    const steps = JSON.stringify(images.steps);
    assert.ok(steps.includes('az acr login') && steps.includes('"push":true'));
    const deploy = obj(jobs.deploy, 'deploy');
    assert.equal(deploy.needs, 'images');
    const run = JSON.stringify(deploy.steps);
    assert.ok(run.includes('infra/bicep/main.bicep') && run.includes('kubectl apply -k'));
    // Every parameter main.bicep requires (no default) is passed.
    for (const p of requiredBicepParams()) assert.ok(run.includes(`${p}=`), `deploy passes ${p}`);
  });
});

/** Parameters of main.bicep without a default value. */
export function requiredBicepParams(): string[] {
  return [...read('infra/bicep/main.bicep').matchAll(/^param (\w+) \w+\s*$/gm)].map((m) => m[1]!);
}

describe('Container Apps (infra/bicep/modules/containerapps.bicep)', () => {
  const bicep = read('infra/bicep/modules/containerapps.bicep');
  const list = (varName: string) => {
    const m = new RegExp(`^var ${varName} = \\[([\\s\\S]*?)^\\]`, 'm').exec(bicep);
    assert.ok(m, `var ${varName}`);
    return new Set([...m[1]!.matchAll(/name: '([A-Z][A-Z0-9_]*)'/g)].map((x) => x[1]!));
  };

  test('every variable of each service is in its app env; secrets come from Key Vault', () => {
    const forms: Record<Deployed, Set<string>> = {
      gateway: list('gatewayEnv'),
      'admin-api': list('adminEnv'),
      'web-frontend': new Set([...bicep.matchAll(/env: \[\{ name: '([A-Z_]+)'/g)].map((m) => m[1]!)),
    };
    for (const name of NAMES) {
      const missing = DEPLOYED[name].vars().filter((v) => !forms[name].has(v));
      assert.deepEqual(missing, [], `container app ${name} lacks ${missing.join(', ')}`);
    }
    for (const ref of new Set([...bicep.matchAll(/secretRef: '([a-z-]+)'/g)].map((m) => m[1]!))) {
      const kvNames = /^var kvSecret = map\(\[([^\]]*)\]/m.exec(bicep)?.[1] ?? '';
      assert.ok(kvNames.includes(`'${ref}'`), `secret ${ref} is declared from Key Vault`);
      assert.ok(read('infra/bicep/modules/keyvault.bicep').includes(`'${ref}':`), `Key Vault holds ${ref}`);
    }
  });

  test('probes on the health routes; gateway min 1 replica, console and admin scale to zero', () => {
    for (const name of NAMES) assert.ok(bicep.includes(`probes('${DEPLOYED[name].health}', ${DEPLOYED[name].port})`), `${name} probes`);
    const minReplicas = [...bicep.matchAll(/resource (\w+) 'Microsoft\.App\/containerApps@[^']+'[\s\S]*?minReplicas: (\d+)/g)].map((m) => [m[1], Number(m[2])]);
    assert.deepEqual(minReplicas, [['gateway', 1], ['adminApi', 0], ['console', 0]]);
  });
});

// ---- The values themselves: each deployment form's environment passes the service's own loader.
import * as adminConfig from '../../apps/admin-api/src/config';
import { loadGatewayServerConfig } from '../../apps/gateway/src/config';
import { GATEWAY_NODE_FLAGS } from '../../apps/gateway/src/node-flags';

/** Stand-ins for what Key Vault / the CSI driver / compose interpolation supply at run time. */
const SECRET_STANDINS: Record<string, string> = {
  DATABASE_URL: 'postgres://kopitra:pw@db.example:5432/kopitra?sslmode=require',
  KOPITRA_SECRET_KEY: Buffer.alloc(32, 1).toString('base64'),
  AZURE_STORAGE_CONNECTION_STRING: 'DefaultEndpointsProtocol=https;AccountName=st;AccountKey=a2V5;EndpointSuffix=core.windows.net',
  APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=00000000-0000-0000-0000-000000000000',
  KOPITRA_ADMIN_PASSWORD: 'a-long-enough-password',
  KOPITRA_ADMIN_EMAIL: 'ops@example.com',
};

function loads(service: 'gateway' | 'admin-api', env: Record<string, string>): void {
  if (service === 'gateway') {
    loadGatewayServerConfig(env);
    return;
  }
  adminConfig.loadAdminServerConfig(env);
  const storage = (adminConfig as Record<string, unknown>).loadStorageConfig;
  if (typeof storage === 'function') (storage as (e: Record<string, string>) => unknown)(env);
}

const interpolate = (v: unknown) => String(v).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');

describe('deployment values pass the services\' own configuration loaders', () => {
  for (const service of ['gateway', 'admin-api'] as const) {
    test(`${service}: .env.sample, compose, Kubernetes and Container Apps values are accepted`, () => {
      const forms: Record<string, Record<string, string>> = {};
      forms['.env.sample'] = Object.fromEntries(envSample(DEPLOYED[service].app));
      const s = obj(obj(parse(read('compose.yaml')), 'compose').services, 'services')[service] as Obj;
      forms.compose = { ...forms['.env.sample'], ...Object.fromEntries(Object.entries(obj(s.environment, 'environment')).map(([k, v]) => [k, interpolate(v)])) };
      const docs = k8sDocs();
      const cm = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === `${service}-config`)!;
      const dep = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === service)!;
      const c = (obj(obj(dep.spec!.template, 'template').spec, 'pod').containers as Array<{ env?: Array<{ name: string; value?: string }> }>)[0]!;
      forms.kubernetes = { ...cm.data, ...Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? SECRET_STANDINS[e.name] ?? ''])) };
      const bicep = read('infra/bicep/modules/containerapps.bicep');
      const block = new RegExp(`^var ${service === 'gateway' ? 'gatewayEnv' : 'adminEnv'} = \\[([\\s\\S]*?)^\\]`, 'm').exec(bicep)![1]!;
      forms['container apps'] = Object.fromEntries([...block.matchAll(/\{ name: '([A-Z0-9_]+)', (value: '([^']*)'|value: \w+|secretRef: '[^']+') \}/g)]
        .map((m) => [m[1]!, m[3] ?? SECRET_STANDINS[m[1]!] ?? '']));
      for (const [form, env] of Object.entries(forms)) {
        // Secrets are not in the files (empty or references): stand-ins fill them.
        const full = { ...env };
        for (const [k, v] of Object.entries(SECRET_STANDINS)) if (!full[k]) full[k] = v;
        try {
          loads(service, full);
        } catch (e) {
          assert.fail(`${service} rejects its ${form} values: ${(e as Error).message}`);
        }
      }
    });
  }
});
