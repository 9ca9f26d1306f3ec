// Prints 1 when oneDNN (Debian: libdnnl-dev) can be compiled and linked
// against, else 0: binding.gyp builds the oneDNN convolutions only then, so a
// machine with OpenBLAS alone still builds the addon. TIKHONOV_NO_DNNL=1
// forces 0 (the OpenBLAS-only build, for comparisons and its test).
import { spawnSync } from 'node:child_process';

const probe = '#include <dnnl.hpp>\nint main() { return dnnl_version()->major > 0 ? 0 : 1; }\n';
const off = process.env.TIKHONOV_NO_DNNL === '1';
const built = off ? undefined : spawnSync('c++', ['-std=c++17', '-x', 'c++', '-', '-o', '/dev/null', '-ldnnl'], { input: probe, stdio: ['pipe', 'ignore', 'ignore'] });
process.stdout.write(built && built.status === 0 ? '1' : '0');
