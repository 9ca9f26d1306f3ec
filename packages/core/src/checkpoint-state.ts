// Plugin states may hold typed arrays (early stopping's θ*, averaged
// weights): as JSON they would cost ≈ 20 bytes a number. On disk they go to
// one binary file, and state.json holds a placeholder per array.

const KINDS = { float32: Float32Array, float64: Float64Array, int32: Int32Array, uint8: Uint8Array } as const;
type Kind = keyof typeof KINDS;
type Typed = InstanceType<(typeof KINDS)[Kind]>;

/** The placeholder left in the JSON for a typed array: its kind, byte offset into the binary file and length. */
interface Placeholder {
  $typedArray: Kind;
  offset: number;
  length: number;
}

const kindOf = (v: unknown): Kind | undefined => (Object.keys(KINDS) as Kind[]).find((k) => v instanceof KINDS[k]);

/** Splits a state into JSON with placeholders and the arrays' bytes (each array 8-byte aligned). */
export function packState(state: unknown): { json: unknown; binary: Uint8Array } {
  const parts: Uint8Array[] = [];
  let size = 0;
  const walk = (v: unknown): unknown => {
    const kind = kindOf(v);
    if (kind) {
      const typed = v as Typed;
      const offset = Math.ceil(size / 8) * 8;
      if (offset > size) parts.push(new Uint8Array(offset - size));
      parts.push(new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength));
      size = offset + typed.byteLength;
      return { $typedArray: kind, offset, length: typed.length } satisfies Placeholder;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  const json = walk(state);
  const binary = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    binary.set(p, at);
    at += p.byteLength;
  }
  return { json, binary };
}

/** Puts the typed arrays back (copies, so they outlive the file's buffer); throws on a placeholder outside the bytes. */
export function unpackState(json: unknown, binary: Uint8Array, where: string): unknown {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const p = v as Partial<Placeholder>;
      if (typeof p.$typedArray === 'string' && p.$typedArray in KINDS) {
        const Type = KINDS[p.$typedArray];
        const bytes = p.length! * Type.BYTES_PER_ELEMENT;
        if (!(p.offset! >= 0 && p.offset! + bytes <= binary.byteLength)) throw new RangeError(`${where}: an array at bytes ${p.offset}–${p.offset! + bytes} lies outside its ${binary.byteLength} bytes (truncated or corrupt)`);
        // a copy into a buffer of its own (a Node Buffer's slice would share its pool)
        return new Type(new Uint8Array(binary.subarray(p.offset!, p.offset! + bytes)).buffer);
      }
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(json);
}
