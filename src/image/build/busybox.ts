/**
 * Busybox applet links (spec §3 step 8): nothing is executed, so `busybox --install` never runs.
 * When `/bin/busybox` exists, every path listed in `/etc/busybox-paths.d/*` (Alpine ≥ 1.36.0-r8,
 * Wolfi) becomes a symlink to `/bin/busybox`; without that directory a built-in table of common
 * applets is used. Existing paths are never replaced.
 */
import { mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { existsNoFollow, readImageFile, resolveImagePath } from './root-path.js';

/** Applets a stock busybox build provides, where Alpine's busybox installs them. */
export const DEFAULT_BUSYBOX_LINKS: readonly string[] = [
  ...'arch ash base64 bbconfig cat chattr chgrp chmod chown cp date dd df dmesg dnsdomainname dumpkmap echo egrep false fatattr fdflush fgrep fsync getopt grep gunzip gzip hostname ionice iostat ipcalc kbd_mode kill link linux32 linux64 ln login ls lsattr lzop makemime mkdir mknod mktemp more mount mountpoint mpstat mv netstat nice pidof ping ping6 pipe_progress printenv ps pwd reformime rev rm rmdir run-parts sed setpriv setserial sh sleep stat stty su sync tar touch true umount uname usleep watch zcat'
    .split(' ')
    .map((a) => `bin/${a}`),
  ...'acpid adjtimex arp blkid blockdev depmod fbsplash fdisk findfs fsck fstrim getty halt hwclock ifconfig ifdown ifenslave ifup init inotifyd insmod ip ipaddr iplink ipneigh iproute iprule iptunnel klogd loadkmap logread losetup lsmod mdev mkdosfs mkfs.vfat mkswap modinfo modprobe nameif nologin pivot_root poweroff reboot rmmod route setconsole slattach swapoff swapon switch_root sysctl syslogd tunctl udhcpc vconfig watchdog'
    .split(' ')
    .map((a) => `sbin/${a}`),
  ...'[ [[ awk basename bc beep blkdiscard bunzip2 bzcat bzip2 cal chvt cksum clear cmp comm cpio crontab cryptpw cut dc deallocvt diff dirname dos2unix du eject env expand expr factor fallocate find flock fold free fuser head hexdump hostid iconv id install ipcrm ipcs killall less logger lsof lsusb lzcat lzma lzopcat md5sum mesg microcom mkfifo mkpasswd nc nl nmeter nohup nproc nsenter nslookup od openvt passwd paste pgrep pkill pmap printf pscan pstree pwdx readlink realpath renice reset resize seq setkeycodes setsid sha1sum sha256sum sha3sum sha512sum showkey shred shuf sort split strings sum tac tail tee test time timeout top tr traceroute traceroute6 tree truncate tty ttysize udhcpc6 unexpand uniq unix2dos unlink unlzma unlzop unshare unxz unzip uptime uudecode uuencode vi vlock volname wc wget which whoami whois xargs xxd xzcat yes'
    .split(' ')
    .map((a) => `usr/bin/${a}`),
  ...'addgroup adduser arping brctl chpasswd chroot crond delgroup deluser ether-wake fbset killall5 loadfont nanddump nandwrite nbd-client ntpd partprobe rdate rdev readahead remove-shell rfkill sendmail setfont setlogcons'
    .split(' ')
    .map((a) => `usr/sbin/${a}`),
];

/** The applet paths to link: from busybox-paths.d when present, else the built-in table. */
function appletPaths(root: string): string[] {
  const dir = join(root, resolveImagePath(root, 'etc/busybox-paths.d', true));
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return [...DEFAULT_BUSYBOX_LINKS];
  }
  const out: string[] = [];
  for (const n of names) {
    for (const line of readImageFile(root, `etc/busybox-paths.d/${n}`).toString('utf8').split('\n')) {
      const p = line.trim().replace(/^\/+/, '');
      if (p !== '' && !p.startsWith('#')) out.push(p);
    }
  }
  return out;
}

/** Creates the applet links; returns the paths created. */
export function installBusyboxLinks(root: string): string[] {
  const busybox = resolveImagePath(root, 'bin/busybox', true);
  if (!existsNoFollow(join(root, busybox))) return [];
  const made: string[] = [];
  for (const p of [...new Set(appletPaths(root))].sort()) {
    const rel = resolveImagePath(root, p, false);
    if (existsNoFollow(join(root, rel))) continue;
    mkdirSync(join(root, dirname(rel)), { recursive: true, mode: 0o755 });
    symlinkSync('/bin/busybox', join(root, rel));
    made.push(rel);
  }
  return made;
}
