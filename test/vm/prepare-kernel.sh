#!/usr/bin/env bash
# Prepares a small VM with a real Linux IPVS for the IPVS tests: Debian's
# kernel (its ip_vs modules) booted by QEMU with this machine's own / shared
# read-only over 9p, so the guest runs the host's ipvsadm and node.
# User-mode Linux would be lighter, but Debian's UML 6.1 cannot run on hosts
# with AMX (its ptrace FP-register calls fail with EFAULT), so QEMU it is.
# Output: .cache/ipvs-vm/{vmlinuz,initrd.gz,modules/}; idempotent.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=.cache/ipvs-vm
[ -f "$out/ready" ] && exit 0
for tool in qemu-system-x86_64 busybox depmod ipvsadm; do
  command -v "$tool" >/dev/null || { echo "prepare-kernel: $tool is missing (.ci/run installs it)" >&2; exit 1; }
done
mkdir -p "$out/deb"
pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
[ -n "$pkg" ] || { echo "prepare-kernel: no linux-image package found (apt-get update?)" >&2; exit 1; }
(cd "$out/deb" && apt-get download "$pkg" 2>/dev/null)
rm -rf "$out/modules" "$out/initrd"
mkdir -p "$out/modules" "$out/initrd"/{bin,mods,proc,dev,newroot}
dpkg-deb -x "$out"/deb/*.deb "$out/modules"
kver=$(ls "$out/modules/lib/modules")
depmod -b "$out/modules" "$kver"
cp "$out"/modules/boot/vmlinuz-* "$out/vmlinuz"
# The initrd has no libraries: busybox must be the static build (Debian's busybox-static).
if ldd /bin/busybox >/dev/null 2>&1; then echo "prepare-kernel: /bin/busybox is not static (install busybox-static)" >&2; exit 1; fi
cp /bin/busybox "$out/initrd/bin/busybox"
k="$out/modules/lib/modules/$kver/kernel"
for m in drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_modern_dev drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci fs/netfs/netfs fs/fscache/fscache net/9p/9pnet net/9p/9pnet_virtio fs/9p/9p; do
  f=$(ls "$k/$m.ko"* | head -1)
  case "$f" in *.xz) xz -dc "$f" > "$out/initrd/mods/$(basename "$m").ko" ;; *) cp "$f" "$out/initrd/mods/$(basename "$m").ko" ;; esac
done
cat > "$out/initrd/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs dev /dev
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci netfs fscache 9pnet 9pnet_virtio 9p; do /bin/busybox insmod /mods/$m.ko; done
/bin/busybox mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose hostroot /newroot || /bin/busybox poweroff -f
INIT=$(/bin/busybox cat /proc/cmdline); INIT=${INIT##*rsg_init=}; INIT=${INIT%% *}
/bin/busybox umount /proc
exec /bin/busybox switch_root /newroot "$INIT"
INIT
chmod +x "$out/initrd/init"
(cd "$out/initrd" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) > "$out/initrd.gz"
echo "$kver" > "$out/ready"
echo "prepare-kernel: $pkg ready in $out"
