// Own logic of the kubernetes spawner without a cluster: slugs and templates, profile overrides
// and their errors, what a pod status means, the hub URL pods get in a cluster. The manifests
// themselves are compared with KubeSpawner 7.1 in test/kubernetes/parity.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { escapeSlug, expandTemplate, multiSlug, safeSlug, templateFields } from './names.js';
import { kubeOptions, optionsForSpawn } from './options.js';
import { podFailure, unschedulableMessage, exitStatusOf, isPodRunning } from './pod-status.js';
import { inClusterHubApi } from './pod-env.js';
import { kubernetesSpawner } from './index.js';
import { isHubError } from '../../errors.js';

test('slugs: valid names kept, others stripped with a hash; escape scheme as escapism', () => {
  assert.equal(safeSlug('alice'), 'alice');
  assert.match(safeSlug('Alice@Example.org'), /^alice-example-org---[0-9a-f]{8}$/);
  assert.match(safeSlug('a--b'), /^a-b---[0-9a-f]{8}$/, "'--' is always hashed");
  assert.match(safeSlug('9lives'), /^x-9lives---[0-9a-f]{8}$/);
  assert.notEqual(safeSlug('a.b'), safeSlug('a-b'), 'no collision between a.b and a-b');
  assert.equal(escapeSlug('Frank_O'), '-46rank-5f-4f');
  assert.equal(escapeSlug('é'), '-c3-a9');
  assert.match(multiSlug(['a'.repeat(40), 'b'.repeat(40)]), /^a{17}--b{17}---[0-9a-f]{8}$/);
});

test('templates: fields, {{ }} literals, a trailing - of an empty field stripped, unknown field refused', () => {
  const f = templateFields({
    userId: 7,
    userName: 'bob',
    serverName: '',
    hubNamespace: 'default',
    slugScheme: 'safe',
  });
  assert.equal(expandTemplate('jupyter-{username}-{servername}', f), 'jupyter-bob');
  assert.equal(expandTemplate('{{x}}-{userid}-{hubnamespace}', f), '{x}-7-user');
  assert.throws(
    () => expandTemplate('pod-{nope}', f),
    (e: unknown) => isHubError(e) && /uses \{nope\}/.test(e.userMessage),
  );
});

const profiles = kubeOptions({
  cpu_limit: 1,
  environment: { A: '1', B: '2' },
  profile_list: [
    { display_name: 'Small CPU' },
    {
      display_name: 'GPU',
      slug: 'gpu',
      kubespawner_override: { cpu_limit: 4, environment: { B: null, C: '3' } },
      profile_options: {
        image: {
          display_name: 'Image',
          choices: { a: { display_name: 'A', kubespawner_override: { image: 'img:a' } } },
          unlisted_choice: {
            enabled: true,
            validation_regex: '^img:[a-z]+$',
            kubespawner_override: { image: '{value}' },
          },
        },
      },
    },
  ],
});

test('profiles: the default (first) profile, overrides merged into mappings, options and unlisted choices', () => {
  assert.equal(optionsForSpawn(profiles, null).cpu_limit, 1, 'first profile is the default');
  const gpu = optionsForSpawn(profiles, { profile: 'gpu' });
  assert.equal(gpu.cpu_limit, 4);
  assert.deepEqual(gpu.environment, { A: '1', C: '3' }, 'null removes a key, others are merged');
  assert.equal(gpu.image, 'img:a', "the option's default choice applies");
  assert.equal(
    optionsForSpawn(profiles, { profile: 'gpu', 'image--unlisted-choice': 'img:z' }).image,
    'img:z',
  );
  assert.equal(
    optionsForSpawn(profiles, { profile: 'gpu', 'profile-option-gpu--image': 'a' }).image,
    'img:a',
    'as the spawn form posts it',
  );
  const bad = (uo: Record<string, string>, re: RegExp) =>
    assert.throws(
      () => optionsForSpawn(profiles, uo),
      (e: unknown) => isHubError(e) && e.status === 400 && re.test(e.userMessage),
    );
  bad({ profile: 'nope' }, /No such profile: nope\. Options include: small-cpu, gpu/);
  bad({ profile: 'gpu', image: 'zz' }, /No such choice "zz" for image/);
  bad({ profile: 'gpu', 'image--unlisted-choice': 'evil' }, /failed validation regex/);
});

test('profiles: an override of a key the spawner does not have is refused at start', () => {
  assert.throws(
    () =>
      kubernetesSpawner.startupNotices!({
        cmd: [],
        args: [],
        extra: { profile_list: [{ display_name: 'x', kubespawner_override: { imagee: 'y' } }] },
      }),
    (e: unknown) =>
      isHubError(e) &&
      /profile_list\[x\]\.kubespawner_override\.imagee: .* has no setting imagee/.test(
        e.userMessage,
      ),
  );
});

const pod = (status: V1Pod['status']): V1Pod => ({ metadata: { name: 'p' }, status });

test('pod status: running, pull failure, crash with its last exit, unschedulable, exit status', () => {
  assert.ok(
    isPodRunning(
      pod({
        phase: 'Running',
        podIP: '10.0.0.5',
        containerStatuses: [{ name: 'notebook', ready: true } as never],
      }),
    ),
  );
  assert.match(
    podFailure(
      pod({
        phase: 'Pending',
        containerStatuses: [
          {
            name: 'notebook',
            image: 'img:x',
            ready: false,
            state: {
              waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "img:x"' },
            },
          } as never,
        ],
      }),
    )!,
    /Cannot pull the image img:x of container notebook \(ImagePullBackOff\): Back-off pulling/,
  );
  assert.match(
    podFailure(
      pod({
        phase: 'Running',
        containerStatuses: [
          {
            name: 'notebook',
            ready: false,
            state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } },
            lastState: {
              terminated: { exitCode: 128, reason: 'StartError', message: 'exec: "x": not found' },
            },
          } as never,
        ],
      }),
    )!,
    /cannot start \(CrashLoopBackOff\): back-off 10s; it exited with status 128 \(StartError\): exec: "x": not found/,
  );
  assert.equal(podFailure(pod({ phase: 'Pending' })), null);
  assert.equal(
    unschedulableMessage(
      pod({
        conditions: [
          { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes' },
        ],
      }),
    ),
    '0/3 nodes',
  );
  assert.equal(exitStatusOf(undefined), 0);
  assert.equal(
    exitStatusOf(
      pod({
        phase: 'Failed',
        containerStatuses: [{ name: 'notebook', state: { terminated: { exitCode: 3 } } } as never],
      }),
    ),
    3,
  );
});

test('hub URL for pods: the hub Service in a cluster when the hub API is on loopback, unless set', () => {
  const o = kubeOptions({});
  const inCluster = {
    KUBERNETES_SERVICE_HOST: '10.0.0.1',
    HUB_SERVICE_HOST: '10.0.0.9',
    HUB_SERVICE_PORT: '8081',
  };
  assert.equal(
    inClusterHubApi('http://127.0.0.1:8081/hub/api', o, inCluster),
    'http://10.0.0.9:8081/hub/api',
  );
  assert.equal(
    inClusterHubApi('http://hub:8081/hub/api', o, inCluster),
    null,
    'a routable URL is kept',
  );
  assert.equal(inClusterHubApi('http://127.0.0.1:8081/hub/api', o, {}), null, 'outside a cluster');
  assert.equal(
    inClusterHubApi(
      'http://127.0.0.1:8081/hub/api',
      kubeOptions({ hub_connect_url: 'http://x:1' }),
      inCluster,
    ),
    null,
    'hub_connect_url wins',
  );
});
