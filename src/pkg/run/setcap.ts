/** melange's `setcap` entries as `security.capability` extended attributes (VFS_CAP_REVISION_2). Pure. */
import { LupineError } from '../../core/index.js';
import type { SetCap } from '../config/types.js';

const CAPS = [
  'chown',
  'dac_override',
  'dac_read_search',
  'fowner',
  'fsetid',
  'kill',
  'setgid',
  'setuid',
  'setpcap',
  'linux_immutable',
  'net_bind_service',
  'net_broadcast',
  'net_admin',
  'net_raw',
  'ipc_lock',
  'ipc_owner',
  'sys_module',
  'sys_rawio',
  'sys_chroot',
  'sys_ptrace',
  'sys_pacct',
  'sys_admin',
  'sys_boot',
  'sys_nice',
  'sys_resource',
  'sys_time',
  'sys_tty_config',
  'mknod',
  'lease',
  'audit_write',
  'audit_control',
  'setfcap',
  'mac_override',
  'mac_admin',
  'syslog',
  'wake_alarm',
  'block_suspend',
  'audit_read',
  'perfmon',
  'bpf',
  'checkpoint_restore',
];

const REVISION_2 = 0x02000000;
const EFFECTIVE = 0x000001;

function capNumber(name: string, path: string): number {
  const n = CAPS.indexOf(name.trim().toLowerCase().replace(/^cap_/, ''));
  if (n < 0) {
    throw new LupineError('BUILD_CONFIG_VALUE', `setcap for ${path}: unknown capability '${name.trim()}'`, {
      details: { path, capability: name },
      hint: 'capabilities are named like cap_net_bind_service',
    });
  }
  return n;
}

/** The xattr value for one path's `add` map (`{"cap_net_raw,cap_net_admin": "+eip"}`). */
export function capabilityXattr(entry: SetCap): Uint8Array {
  const permitted = [0, 0];
  const inheritable = [0, 0];
  let effective = false;
  for (const [names, flags] of Object.entries(entry.add)) {
    const f = flags.trim().replace(/^[+=]/, '');
    if (!/^[eip]+$/.test(f)) {
      throw new LupineError('BUILD_CONFIG_VALUE', `setcap for ${entry.path}: bad flags '${flags}'`, {
        details: { path: entry.path, flags },
        hint: "flags are '+' followed by e, i and p, e.g. '+eip'",
      });
    }
    for (const name of names.split(',').filter((n) => n.trim() !== '')) {
      const n = capNumber(name, entry.path);
      const word = n >> 5;
      const bit = (1 << (n & 31)) >>> 0;
      if (f.includes('p')) permitted[word] = ((permitted[word] ?? 0) | bit) >>> 0;
      if (f.includes('i')) inheritable[word] = ((inheritable[word] ?? 0) | bit) >>> 0;
      if (f.includes('e')) effective = true;
    }
  }
  const out = Buffer.alloc(20);
  out.writeUInt32LE((REVISION_2 | (effective ? EFFECTIVE : 0)) >>> 0, 0);
  out.writeUInt32LE(permitted[0] ?? 0, 4);
  out.writeUInt32LE(inheritable[0] ?? 0, 8);
  out.writeUInt32LE(permitted[1] ?? 0, 12);
  out.writeUInt32LE(inheritable[1] ?? 0, 16);
  return out;
}

/** Package path (no leading '/') → xattrs, for every `setcap` entry of a package. */
export function setcapXattrs(entries: readonly SetCap[]): Map<string, Record<string, Uint8Array>> {
  const out = new Map<string, Record<string, Uint8Array>>();
  for (const e of entries) {
    out.set(e.path.replace(/^\/+/, ''), { 'security.capability': capabilityXattr(e) });
  }
  return out;
}
