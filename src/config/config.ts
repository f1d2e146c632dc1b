/**
 * The typed, frozen configuration every component receives its slice of. Built by
 * `config/load.ts` from defaults (`config/defaults.ts`), a TOML file and `DROVER_*` variables.
 * Durations are already parsed into milliseconds; sizes into bytes.
 */
export interface Config {
  logging: { level: 'debug' | 'info' | 'warn' | 'error'; format: 'json' | 'pretty' };
  cli: { banner: { mode: 'off' | 'console' | 'log' } };
  /** Base URL used by `drover health`. @default http://127.0.0.1:8000 */
  endpoint: string;
  broker: {
    type: 'inmemory' | 'rabbitmq';
    rabbitmq: {
      url: string;
      consumerTimeoutMs: number;
      managementUrl: string;
      durableQueues: boolean;
      queueType: 'classic' | 'quorum';
    };
  };
  datastore: {
    type: 'sqlite' | 'postgres';
    sqlite: { path: string };
    postgres: {
      dsn: string;
      /** Pool size. @default 25 */
      maxOpenConns: number;
      /** @default 25 */
      maxIdleConns?: number;
      /** Close a pooled connection after this long. @default 1h */
      connMaxLifetimeMs?: number;
      /** Close a pooled connection idle this long. @default 5m */
      connMaxIdleTimeMs?: number;
    };
    retention: { logsMs: number; jobsMs: number };
    encryption: { key: string };
  };
  /** `type` follows `datastore.type` unless set. */
  locker: {
    type: 'inmemory' | 'postgres' | 'sqlite';
    /** `dsn` follows `datastore.postgres.dsn` unless set. */
    postgres?: { dsn: string };
  };
  coordinator: {
    /** host:port to listen on. @default 127.0.0.1:8000 */
    address: string;
    name: string;
    queues: Record<string, number>;
    /** How often the coordinator reports itself on `heartbeat`. @default 30s */
    heartbeatIntervalMs: number;
    /**
     * A node silent for this long is dead: the tasks its workers were running run again
     * elsewhere (the lease is the heartbeat, never the broker's ack timeout). @default 90s
     */
    livenessTimeoutMs: number;
    api: { endpoints: Record<'health' | 'jobs' | 'tasks' | 'nodes' | 'queues' | 'metrics' | 'users', boolean> };
  };
  middleware: {
    web: {
      cors: { enabled: boolean; origins: string[]; methods: string[]; headers: string[]; credentials: boolean };
      basicauth: {
        enabled: boolean;
        /**
         * The first admin, created at start-up (with the `admin` role) when `password` is set and
         * no user has this name; an existing user keeps its password. @default username "admin", no password
         */
        admin: { username: string; password: string };
      };
      keyauth: { enabled: boolean; key: string };
      ratelimit: { enabled: boolean; rps: number };
      /** Bytes. @default 500K = 500000 */
      bodylimit: number;
      logger: { enabled: boolean; level: string; skip: string[] };
    };
    job: { redact: { enabled: boolean; patterns: string[] } };
    task: { hostenv: { vars: string[] } };
  };
  worker: {
    address: string;
    name: string;
    queues: Record<string, number>;
    /** How often the worker reports itself on `heartbeat`; keep it well below `coordinator.liveness.timeout`. @default 30s */
    heartbeatIntervalMs: number;
    limits: { cpus: string; memory: string; timeout: string };
  };
  mounts: { bind: { allowed: boolean; sources: string[] } };
  runtime: {
    /** `auto`: Docker when its engine answers on DOCKER_HOST or the standard socket, else shell. */
    type: 'auto' | 'shell' | 'docker' | 'podman';
    shell: {
      cmd: string[];
      uid: string;
      gid: string;
      /** Where tasks' temporary work dirs go; empty: chosen at start (runtime/shell/temp-base.ts). */
      tempdir: string;
    };
    docker: { config: string; privileged: boolean; imageTtlMs: number; imageVerify: boolean };
    podman: { privileged: boolean; hostNetwork: boolean };
  };
  ui: { enabled: boolean };
}
