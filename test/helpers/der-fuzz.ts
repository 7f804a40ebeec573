// Seeded mutation fuzzing of DER inputs (certificates, CRLs, OCSP answers) against a verifier.
// Used by packages/plugins/src/mtls-auth/fuzz.test.ts (quick) and scripts/bench/cert-parsing.ts
// (long, for each implementation measured). A failing case replays from its seed and index.
import * as asn1js from "asn1js";
import { performance } from "node:perf_hooks";
import { mulberry32 } from "./prng.ts";

/** What a verifier made of one input. `answer` is what it believed ("trusted", "good/revoked"…). */
export type Verdict =
  | { readonly kind: "refused"; readonly error: unknown }
  | { readonly kind: "believed"; readonly answer: string }
  /** An exception escaped a step that must not throw (in the gateway: a 500, not a 401). */
  | { readonly kind: "crash"; readonly error: unknown };

export type Family = "certificate" | "crl" | "ocsp";

export interface Target {
  readonly family: Family;
  readonly label: string;
  readonly original: Buffer;
  readonly check: (bytes: Buffer) => Verdict | Promise<Verdict>;
}

export interface Tally {
  cases: number;
  refused: number;
  /** Refusals by a TypeError or RangeError: a reader that walked off its data instead of saying why. */
  untypedRefusals: number;
  crashes: number;
  /** Single cases slower than HANG_MS. */
  hangs: number;
  /** Mutated input believed, any answer (for certificates: verified against the CA). */
  believed: number;
  /** Mutated input believed with an answer other than the original's: a lie accepted. */
  lies: number;
  /** Believed cases by mutation kind. */
  believedKinds: Record<string, number>;
  slowestMs: number;
  examples: string[];
}

export const HANG_MS = 1000;

interface Node {
  readonly offset: number;
  /** Identifier octets, then length octets: together the header. */
  readonly idSize: number;
  readonly header: number;
  readonly length: number;
}

/** Every element of `der` (offset, header size, content length), as asn1js finds them; [] when unreadable. */
function elements(der: Buffer): Node[] {
  const decoded = asn1js.fromBER(der, { copyInput: false });
  if (decoded.offset === -1) return [];
  const out: Node[] = [];
  const walk = (block: asn1js.AsnType): void => {
    const view = block.valueBeforeDecodeView;
    if (view.buffer !== der.buffer) return; // an embedded parse asn1js made from a copy
    const idSize = block.idBlock.blockLength;
    const header = idSize + block.lenBlock.blockLength;
    out.push({ offset: view.byteOffset - der.byteOffset, idSize, header, length: view.byteLength - header });
    const value: unknown = (block.valueBlock as { value?: unknown }).value;
    if (Array.isArray(value)) for (const child of value as asn1js.AsnType[]) walk(child);
  };
  walk(decoded.result);
  return out;
}

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const LENGTH_FORMS = [
  () => Buffer.from([0x80]), // indefinite
  () => Buffer.from([0x84, 0xff, 0xff, 0xff, 0xff]), // 4 GiB
  () => Buffer.from([0x88, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), // 8-octet length
  () => Buffer.from([0xff]),
  () => Buffer.from([0x81, 0x00]), // non-minimal
] as const;

/** One mutation of `original`, chosen by `random`; the kind names it for the report. */
export function mutate(original: Buffer, random: () => number): { kind: string; bytes: Buffer } {
  const pick = (n: number): number => Math.floor(random() * n);
  const nodes = elements(original);
  const node = nodes[pick(nodes.length)];
  const splice = (at: number, remove: number, insert: Buffer): Buffer =>
    Buffer.concat([original.subarray(0, at), insert, original.subarray(at + remove)]);
  const lengthAt = (n: Node): { at: number; size: number } => ({ at: n.offset + n.idSize, size: n.header - n.idSize });
  switch (node ? pick(8) : pick(2)) {
    case 0: {
      const bytes = Buffer.from(original);
      for (let flips = 1 + pick(3); flips > 0; flips--) {
        const at = pick(bytes.length);
        bytes[at] = bytes[at]! ^ (1 << pick(8));
      }
      return { kind: "bit flips", bytes };
    }
    case 1:
      return { kind: "truncation", bytes: original.subarray(0, pick(original.length)) };
    case 2: {
      // A length off by a little (the element then swallows or leaves bytes of its neighbours).
      const { at, size } = lengthAt(node!);
      const delta = [-2, -1, 1, 2, 127, 128][pick(6)]!;
      return { kind: "length corruption", bytes: splice(at, size, encodeLength(Math.max(0, node!.length + delta))) };
    }
    case 3: {
      const { at, size } = lengthAt(node!);
      return { kind: "huge length", bytes: splice(at, size, LENGTH_FORMS[pick(LENGTH_FORMS.length)]!()) };
    }
    case 4: {
      // Deep nesting: the element wrapped in hundreds to thousands of SEQUENCEs (definite or indefinite lengths).
      const depth = 100 + pick(5000);
      const indefinite = random() < 0.5;
      let inner = original.subarray(node!.offset, node!.offset + node!.header + node!.length);
      if (indefinite) inner = Buffer.concat([Buffer.alloc(depth * 2, Buffer.from([0x30, 0x80])), inner, Buffer.alloc(depth * 2)]);
      else for (let i = 0; i < Math.min(depth, 400); i++) inner = Buffer.concat([Buffer.from([0x30]), encodeLength(inner.length), inner]);
      return { kind: "deep nesting", bytes: splice(node!.offset, node!.header + node!.length, inner) };
    }
    case 5:
      return { kind: "tag change", bytes: splice(node!.offset, 1, Buffer.from([pick(256)])) };
    case 6: {
      const element = original.subarray(node!.offset, node!.offset + node!.header + node!.length);
      return random() < 0.5
        ? { kind: "element duplicated", bytes: splice(node!.offset, 0, element) }
        : { kind: "element removed", bytes: splice(node!.offset, element.length, Buffer.alloc(0)) };
    }
    default:
      return { kind: "bytes appended", bytes: Buffer.concat([original, Buffer.from([pick(256), pick(256)].slice(0, 1 + pick(2)))]) };
  }
}

const emptyTally = (): Tally => ({ cases: 0, refused: 0, untypedRefusals: 0, crashes: 0, hangs: 0, believed: 0, lies: 0, believedKinds: {}, slowestMs: 0, examples: [] });

/**
 * Runs `perTarget` mutations of each target's original through its check; tallies per family.
 * The original itself must be believed (else the check, not the fuzz, is broken).
 */
export async function fuzz(targets: readonly Target[], seed: number, perTarget: number): Promise<Record<Family, Tally>> {
  const tallies: Record<Family, Tally> = { certificate: emptyTally(), crl: emptyTally(), ocsp: emptyTally() };
  for (const [t, target] of targets.entries()) {
    const reference = await target.check(target.original);
    if (reference.kind !== "believed") throw new Error(`${target.label}: the unmutated input is not believed (${reference.kind})`);
    const random = mulberry32(seed + t);
    const tally = tallies[target.family];
    for (let i = 0; i < perTarget; i++) {
      const { kind, bytes } = mutate(target.original, random);
      if (bytes.equals(target.original)) continue;
      const started = performance.now();
      const verdict = await target.check(bytes);
      const ms = performance.now() - started;
      tally.cases++;
      tally.slowestMs = Math.max(tally.slowestMs, ms);
      const note = (what: string): void => {
        if (tally.examples.length < 5) tally.examples.push(`${target.label} seed ${seed + t} case ${i} (${kind}): ${what}`);
      };
      if (ms > HANG_MS) {
        tally.hangs++;
        note(`took ${ms.toFixed(0)} ms`);
      }
      if (verdict.kind === "crash") {
        tally.crashes++;
        note(`crash: ${String(verdict.error)}`);
      } else if (verdict.kind === "refused") {
        tally.refused++;
        if (verdict.error instanceof TypeError || verdict.error instanceof RangeError) tally.untypedRefusals++;
      } else {
        tally.believed++;
        tally.believedKinds[kind] = (tally.believedKinds[kind] ?? 0) + 1;
        if (verdict.answer !== reference.answer) {
          tally.lies++;
          note(`believed "${verdict.answer}" (original: "${reference.answer}")`);
        } else note(`believed as the original (${bytes.length} bytes)`);
      }
    }
  }
  return tallies;
}
