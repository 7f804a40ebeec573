import type * as net from "node:net";
import type * as tls from "node:tls";
import { certificateRequestingOptions, plainOptions } from "./server-options.ts";
import { keyPeriod, onKeyPeriod, OTHER_NAMES, resumptionOptions, ticketKey, type SessionResumption, type TicketOwner, type TicketScope } from "./session-tickets.ts";

/** Per-name servers a listener keeps (about 23 KiB and 0.5 ms to make each, Node 20). */
export const MAX_NAMED_SERVERS = 512;

export interface TicketServersOptions {
  /** Options of the servers for an SNI: no certificate of their own, their SNICallback installs it. */
  bySni: tls.TlsOptions;
  /** Options of the servers for connections without SNI: the default certificate. */
  noSni: tls.TlsOptions;
  /** Makes one server from its TLS options, with the listener's handler and event wiring. */
  create(options: tls.TlsOptions): tls.Server;
  resumption: SessionResumption;
  /** Whether the current configuration knows this SNI (server-names.ts). */
  known(serverName: string): boolean;
  /**
   * A digest of the certificate served under a TicketOwner's serverName: for "" (no SNI) the
   * default one, for OTHER_NAMES the catch-all `*` one, else the default.
   */
  certificate(serverName: string): string;
  /** Default MAX_NAMED_SERVERS. */
  capacity?: number;
}

interface Entry {
  readonly server: tls.Server;
  owner: TicketOwner;
  /** Connections handed to the server that have not closed yet. */
  open: number;
  retired: boolean;
}

function scopeOf(sni: boolean, certificateRequested: boolean): TicketScope {
  if (sni) return certificateRequested ? "sni+certificate" : "sni";
  return certificateRequested ? "no-sni+certificate" : "no-sni";
}

/**
 * The TLS servers of one listener, one per ticket key. OpenSSL opens a ticket with the key of the
 * server the connection started on, before the SNICallback runs, so tying a session to its server
 * name (RFC 8446 §4.6.1) takes one server per (SNI, certificate requested): the SNI front asks
 * `serverFor()` and they are made on demand.
 *
 * - Names the configuration does not know share one server per certificate flag (OTHER_NAMES),
 *   as do connections without SNI: random SNIs make no servers.
 * - Per-name servers are capped (least recently used goes). An evicted server keeps serving its
 *   open connections and closes after the last; a new server for that name derives the same key,
 *   so its tickets still resume.
 * - Each key mixes in the certificate served under the name: `reconfigure()` after a
 *   configuration change gives a server whose certificate changed a new key, ending the sessions
 *   made under the old certificate.
 */
export class TicketServers {
  private readonly capacity: number;
  /** The servers for no SNI and for unknown names, by scope and serverName. */
  private readonly shared = new Map<string, Entry>();
  /** Per-name servers, least recently used first (a Map keeps insertion order; a use re-inserts). */
  private readonly named = new Map<string, Entry>();
  /** Evicted servers that still carry connections. */
  private readonly retired = new Set<Entry>();
  private readonly stopRotating: () => void;

  constructor(private readonly opts: TicketServersOptions) {
    this.capacity = opts.capacity ?? MAX_NAMED_SERVERS;
    this.stopRotating = onKeyPeriod(opts.resumption, () => this.rekey());
  }

  /** The server for a connection with this SNI (undefined: none, or unreadable). */
  serverFor(serverName: string | undefined, certificateRequested: boolean): tls.Server {
    const scope = scopeOf(serverName !== undefined, certificateRequested);
    if (serverName === undefined) return this.sharedServer(scope, "");
    const id = `${scope}\0${serverName}`;
    const used = this.named.get(id);
    if (used) {
      this.named.delete(id);
      this.named.set(id, used);
      return used.server;
    }
    // Without tickets nothing resumes: there is nothing to keep apart.
    if (!this.opts.resumption.tickets || !this.opts.known(serverName)) return this.sharedServer(scope, OTHER_NAMES);
    const entry = this.create(scope, serverName);
    this.named.set(id, entry);
    if (this.named.size > this.capacity) {
      const [oldestId, oldest] = this.named.entries().next().value as [string, Entry];
      this.named.delete(oldestId);
      this.retire(oldest);
    }
    return entry.server;
  }

  /** Every server that may still hold connections (shutdown: closeIdleConnections, closeAllConnections). */
  servers(): tls.Server[] {
    return [...this.shared.values(), ...this.named.values(), ...this.retired].map((e) => e.server);
  }

  /**
   * After a configuration change: servers of names no longer known retire, and every server
   * whose certificate changed gets its new key.
   */
  reconfigure(): void {
    for (const [id, entry] of this.named) {
      if (this.opts.known(entry.owner.serverName)) continue;
      this.named.delete(id);
      this.retire(entry);
    }
    this.rekey();
  }

  stop(): void {
    this.stopRotating();
  }

  /** Sets each server's key where its period or certificate moved (Node keeps one key per server). */
  private rekey(): void {
    const { resumption } = this.opts;
    if (!resumption.tickets) return;
    const period = keyPeriod(Date.now(), resumption.timeoutSeconds);
    for (const entry of [...this.shared.values(), ...this.named.values()]) {
      entry.owner = { ...entry.owner, certificate: this.opts.certificate(entry.owner.serverName) };
      const key = ticketKey(resumption.secret, entry.owner, period);
      if (!key.equals(entry.server.getTicketKeys())) entry.server.setTicketKeys(key);
    }
  }

  private sharedServer(scope: TicketScope, serverName: string): tls.Server {
    const id = `${scope}\0${serverName}`;
    let entry = this.shared.get(id);
    if (!entry) {
      entry = this.create(scope, serverName);
      this.shared.set(id, entry);
    }
    return entry.server;
  }

  private create(scope: TicketScope, serverName: string): Entry {
    const owner: TicketOwner = { scope, serverName, certificate: this.opts.certificate(serverName) };
    const base = serverName === "" ? this.opts.noSni : this.opts.bySni;
    const options = scope.endsWith("+certificate") ? certificateRequestingOptions(base) : plainOptions(base);
    const server = this.opts.create({ ...options, ...resumptionOptions(this.opts.resumption, owner) });
    const entry: Entry = { server, owner, open: 0, retired: false };
    // The front emits the raw TCP socket here; it closes with the TLS connection on it.
    server.on("connection", (socket: net.Socket) => {
      entry.open++;
      socket.once("close", () => {
        entry.open--;
        if (entry.retired && entry.open === 0) this.close(entry);
      });
    });
    return entry;
  }

  private retire(entry: Entry): void {
    entry.retired = true;
    if (entry.open === 0) this.close(entry);
    else this.retired.add(entry);
  }

  /** Stops the server's connection tracking (http.Server runs an interval from 'listening' to 'close'). */
  private close(entry: Entry): void {
    this.retired.delete(entry);
    entry.server.close();
  }
}
