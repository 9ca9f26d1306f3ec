// '#disk-copy' under the browser condition: there is no file system for option 'dir'.

const refuse = (): never => {
  throw new Error("earlyStopping: option 'dir' keeps θ* on disk, which needs Node; in a browser leave it out (θ* stays in memory)");
};

/** Refuses: no file system here. */
export async function writeCopy(_dir: string, _weights: Uint8Array, _manifest: string): Promise<void> {
  refuse();
}

/** Refuses: no file system here. */
export async function readCopy(_dir: string): Promise<{ manifest: string; bytes: Uint8Array }> {
  return refuse();
}
