import { DownloadError } from '../errors';

/** Limits of a {@link RenderQueue}. */
export interface RenderQueueLimits {
  /** Renders at once. */
  concurrency: number;
  /** Renders running or waiting, all tenants together; past it 503 `RENDER_BUSY`. */
  max: number;
  /** Renders running or waiting for one tenant; past it that tenant gets 503 `RENDER_BUSY`, the others do not. */
  perTenant: number;
}

interface Job {
  start: () => void;
}

/**
 * Runs renders a few at a time. Waiting renders are taken from the tenants in
 * turn (round robin), so a tenant asking for thousands of variants delays
 * another tenant's render by at most one of its own per turn, and each
 * tenant may hold only `perTenant` places. When full, the answer is 503
 * with `Retry-After` from the recent render times.
 */
export class RenderQueue {
  readonly #waiting = new Map<string, Job[]>();
  /** Tenants with waiting jobs, in the order they are served. */
  readonly #turns: string[] = [];
  readonly #pendingByTenant = new Map<string, number>();
  #pending = 0;
  #running = 0;
  /** Seconds a render takes, smoothed: the basis of `Retry-After`. */
  #renderSeconds = 0.2;

  constructor(private readonly limits: RenderQueueLimits) {}

  /** Runs `job` when a place is free; throws `RENDER_BUSY` at once when the queue is full for this tenant or for all. */
  run<T>(tenant: string | undefined, job: () => Promise<T>): Promise<T> {
    const name = tenant ?? '';
    const own = this.#pendingByTenant.get(name) ?? 0;
    if (this.#pending >= this.limits.max || own >= this.limits.perTenant) return Promise.reject(this.#busy(own >= this.limits.perTenant ? 'tenant' : 'all'));
    this.#pending++;
    this.#pendingByTenant.set(name, own + 1);
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        const started = performance.now();
        this.#running++;
        job().then(resolve, reject).finally(() => {
          this.#renderSeconds = 0.8 * this.#renderSeconds + 0.2 * ((performance.now() - started) / 1000);
          this.#running--;
          this.#pending--;
          const left = this.#pendingByTenant.get(name)! - 1;
          if (left === 0) this.#pendingByTenant.delete(name);
          else this.#pendingByTenant.set(name, left);
          this.#next();
        });
      };
      if (this.#running < this.limits.concurrency) start();
      else this.#enqueue(name, { start });
    });
  }

  #enqueue(tenant: string, job: Job): void {
    const jobs = this.#waiting.get(tenant);
    if (jobs !== undefined) {
      jobs.push(job);
      return;
    }
    this.#waiting.set(tenant, [job]);
    this.#turns.push(tenant);
  }

  #next(): void {
    const tenant = this.#turns.shift();
    if (tenant === undefined) return;
    const jobs = this.#waiting.get(tenant)!;
    const job = jobs.shift()!;
    // Back of the line: every other waiting tenant goes before this one's next render.
    if (jobs.length > 0) this.#turns.push(tenant);
    else this.#waiting.delete(tenant);
    job.start();
  }

  #busy(which: 'tenant' | 'all'): DownloadError {
    const waits = Math.ceil((this.#pending / this.limits.concurrency) * this.#renderSeconds);
    return new DownloadError('RENDER_BUSY', undefined, {
      headers: { 'Retry-After': String(Math.min(60, Math.max(1, waits))) },
      cause: new Error(which === 'tenant' ? `this tenant has ${this.limits.perTenant} renders running or waiting` : `${this.limits.max} renders are running or waiting`),
    });
  }
}
