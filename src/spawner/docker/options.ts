/**
 * The docker spawner's options (DockerSpawner's traits, src/config/schema-docker.ts), the names
 * of its containers and volumes (DockerSpawner 14's escaping and templates), and the translation
 * of docker-py style `extra_host_config`/`extra_create_kwargs` into Engine API fields.
 */
import { z } from 'zod';
import { dockerSpawnerTraits } from '../../config/schema-docker.js';
import { parsePluginOptions } from '../../plugins/options.js';
import { snakeKeys } from '../local-options.js';

export const dockerOptionsSchema = z.object(dockerSpawnerTraits);
export type DockerOptions = z.output<typeof dockerOptionsSchema>;

/** The options from `extra`; throws LABHUB_ERR_CONFIG naming `DockerSpawner.key`. */
export function dockerOptions(extra: Readonly<Record<string, unknown>>): DockerOptions {
  return parsePluginOptions(dockerOptionsSchema, snakeKeys(extra), 'DockerSpawner');
}

/**
 * DockerSpawner's default escaping (escapism with lowercase letters and digits safe, '-' as the
 * escape character, each other UTF-8 byte as `-XX`), lowercased: a DNS-label-safe name.
 */
export function escapeName(text: string): string {
  const safe = /^[a-z0-9]$/;
  let out = '';
  for (const ch of text) {
    if (safe.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += '-' + b.toString(16).padStart(2, '0');
  }
  return out.toLowerCase();
}

/** The fields of name_template, volumes and the extra_* dictionaries. */
export function templateNamespace(
  userName: string,
  serverName: string,
  image: string,
  prefix: string,
): Record<string, string> {
  const u = escapeName(userName);
  return {
    username: u,
    safe_username: u,
    raw_username: userName,
    imagename: image.replace(/\//g, '-').replace(/:/g, '-'),
    servername: escapeName(serverName.toLowerCase()),
    raw_servername: serverName,
    prefix,
  };
}

/**
 * Python's `str.format` with named fields only, as DockerSpawner applies it: a string that is not
 * a valid template (unknown field, lone brace) is left as it is.
 */
export function renderTemplate(s: string, ns: Record<string, string>): string {
  let bad = false;
  const out = s.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (m, name: string | undefined) => {
    if (m === '{{') return '{';
    if (m === '}}') return '}';
    if (name !== undefined && Object.prototype.hasOwnProperty.call(ns, name)) return ns[name]!;
    bad = true;
    return m;
  });
  if (bad || /[{}]/.test(s.replace(/\{\{|\}\}|\{[^{}]*\}/g, ''))) return s;
  return out;
}

/** Templates rendered in every string (keys and values) of a JSON-like value. */
export function renderDeep(v: unknown, ns: Record<string, string>): unknown {
  if (typeof v === 'string') return renderTemplate(v, ns);
  if (Array.isArray(v)) return v.map((x) => renderDeep(x, ns));
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [renderTemplate(k, ns), renderDeep(x, ns)]),
    );
  return v;
}

/** The container name: name_template (or its default) rendered. */
export function containerName(o: DockerOptions, ns: Record<string, string>, named: boolean) {
  const template =
    o.name_template || (named ? '{prefix}-{username}--{servername}' : '{prefix}-{username}');
  return renderTemplate(template, ns);
}

/** `Binds` entries (`src:dst:mode`) of volumes and read_only_volumes, templates rendered. */
export function volumeBinds(o: DockerOptions, ns: Record<string, string>): string[] {
  const out: string[] = [];
  for (const [src, target] of Object.entries(o.volumes)) {
    const t = typeof target === 'string' ? { bind: target } : target;
    const opts = [t.mode ?? 'rw', ...(t.propagation ? [t.propagation] : [])].join(',');
    out.push(`${renderTemplate(src, ns)}:${renderTemplate(t.bind, ns)}:${opts}`);
  }
  for (const [src, bind] of Object.entries(o.read_only_volumes))
    out.push(`${renderTemplate(src, ns)}:${renderTemplate(bind, ns)}:ro`);
  return out;
}

const pascal = (k: string) =>
  /^[A-Z]/.test(k) ? k : k.replace(/(^|_)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());

const SIZE = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)b?\s*$/i;
function bytes(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const m = SIZE.exec(v);
  if (!m) return v;
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2]!.toLowerCase()]!;
  return Math.floor(Number(m[1]) * unit);
}

/** docker-py `create_host_config` keywords whose Engine API field is not the PascalCase name. */
const HOST_CONFIG_FIELDS: Record<string, (v: unknown) => [string, unknown]> = {
  mem_limit: (v) => ['Memory', bytes(v)],
  memswap_limit: (v) => ['MemorySwap', bytes(v)],
  mem_reservation: (v) => ['MemoryReservation', bytes(v)],
  shm_size: (v) => ['ShmSize', bytes(v)],
  nano_cpus: (v) => ['NanoCpus', v],
  network_mode: (v) => ['NetworkMode', v],
  extra_hosts: (v) => [
    'ExtraHosts',
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.entries(v).map(([h, ip]) => `${h}:${String(ip)}`)
      : v,
  ],
  binds: (v) => [
    'Binds',
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.entries(v as Record<string, { bind: string; mode?: string } | string>).map(
          ([src, t]) =>
            typeof t === 'string' ? `${src}:${t}:rw` : `${src}:${t.bind}:${t.mode ?? 'rw'}`,
        )
      : v,
  ],
  restart_policy: (v) => ['RestartPolicy', v],
  security_opt: (v) => ['SecurityOpt', v],
  oom_kill_disable: (v) => ['OomKillDisable', v],
  ipc_mode: (v) => ['IpcMode', v],
  pids_limit: (v) => ['PidsLimit', v],
  device_requests: (v) => ['DeviceRequests', v],
};

/** docker-py `extra_host_config` → Engine API HostConfig fields (PascalCase passes through). */
export function hostConfigFields(extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(extra)) {
    const special = HOST_CONFIG_FIELDS[k];
    const [key, value] = special ? special(v) : [pascal(k), v];
    out[key] = value;
  }
  return out;
}

/** docker-py `create_container` keywords whose Engine API field is not the PascalCase name. */
const CREATE_FIELDS: Record<string, string> = {
  command: 'Cmd',
  environment: 'Env',
  working_dir: 'WorkingDir',
  host_config: 'HostConfig',
  ports: 'ExposedPorts',
  stop_signal: 'StopSignal',
  mac_address: 'MacAddress',
  network_disabled: 'NetworkDisabled',
};

/** docker-py `extra_create_kwargs` → Engine API container-create fields. */
export function createFields(extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(extra)) {
    const key = CREATE_FIELDS[k] ?? pascal(k);
    if (key === 'HostConfig' && v && typeof v === 'object')
      out[key] = hostConfigFields(v as Record<string, unknown>);
    else if (key === 'Env' && v && typeof v === 'object' && !Array.isArray(v))
      out[key] = Object.entries(v).map(([n, x]) => `${n}=${String(x)}`);
    else out[key] = v;
  }
  return out;
}

/** `base` with `over` merged in, recursively for mappings (DockerSpawner's _deep_merge). */
export function deepMerge(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      v &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      b &&
      typeof b === 'object' &&
      !Array.isArray(b)
        ? deepMerge(b as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/** allowed_images as DockerSpawner validates it: '*' or a mapping of shown name → image. */
export function allowedImages(o: DockerOptions): '*' | Record<string, string> {
  const a = o.allowed_images;
  if (a === '*') return '*';
  if (Array.isArray(a)) return Object.fromEntries(a.map((i) => [i, i]));
  return a;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The spawn page's image choice when more than one image is allowed, else ''. */
export function imageChoiceForm(o: DockerOptions): string {
  const allowed = allowedImages(o);
  if (allowed === '*' || Object.keys(allowed).length <= 1) return '';
  const options = Object.keys(allowed)
    .map(
      (name) =>
        `<option value="${esc(name)}"${allowed[name] === o.image || name === o.image ? ' selected' : ''}>${esc(name)}</option>`,
    )
    .join('\n');
  return `<label for="image">Select an image:</label>\n<select class="form-control" name="image" id="image" required autofocus>\n${options}\n</select>`;
}
