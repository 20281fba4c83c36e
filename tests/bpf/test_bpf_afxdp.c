// SPDX-License-Identifier: GPL-2.0-only
/*
 * ztos_dpi_redirect on a real device: XDP on dpi1 of a veth pair, an AF_XDP socket
 * (libxdp, copy mode) on its queue 0 in the xsks map, crafted Ethernet/IPv4/UDP frames
 * sent into dpi0 from an AF_PACKET socket. Checks that every frame reaches the socket's
 * RX ring byte for byte and not the stack, that without an xsks entry the frame goes up
 * the stack (a UDP socket on dpi1 gets it), and that umem frames recycle. Runs once in
 * native mode and once in generic (skb) mode. Prints TAP. Runs as root in its own
 * network and mount namespaces (a private bpffs holds the pinned map): nothing of it
 * outlives the process.
 */
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <linux/if_xdp.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include <xdp/xsk.h>

#include "bpf/ztos_dpi.skel.h"
#include "pkt.h"
#include "sandbox.h"
#include "tap.h"

#define PIN_ROOT "/sys/fs/bpf/ztos-test"
#define TX_DEV "dpi0"		/* the sender: frames written here arrive on dpi1 */
#define RX_DEV "dpi1"		/* XDP and the AF_XDP socket */
#define TX_MAC "02:00:00:00:00:02"	/* what pkt_eth() writes as source ... */
#define RX_MAC "02:00:00:00:00:01"	/* ... and destination */
#define TX_IP "192.0.2.2"
#define RX_IP "192.0.2.1"
#define UDP_SPORT 40000
#define UDP_DPORT 9999

/* A small umem: a burst of FRAMES frames uses all of it, so a second one needs a refill. */
#define FRAMES 8
#define FRAME_SIZE XSK_UMEM__DEFAULT_FRAME_SIZE
#define BURST FRAMES
#define MARKER "ztos-afxdp-marker"
#define WAIT_MS 10000		/* a frame not there by then is lost (waits end when it is) */
#define QUIET_MS 300		/* how long "nothing arrives" is watched */

static struct ztos_dpi *dpi;
static int rx_ifindex, tx_ifindex;
static int tx_fd = -1;		/* AF_PACKET on dpi0 */
static int udp_fd = -1;		/* bound to RX_IP:UDP_DPORT: what the stack delivers */
static const char *mode;	/* "native" or "skb": the case names say which */

static void *umem_area;
static struct xsk_umem *umem;
static struct xsk_socket *xsk;
static struct xsk_ring_prod fill_ring;
static struct xsk_ring_cons comp_ring, rx_ring;
static __u64 free_frames[FRAMES];	/* umem frames neither in the fill nor the RX ring */
static int n_free;
static unsigned int seq;		/* makes every frame's marker unique */


static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- frames ---- */

/* Ethernet dpi0 -> dpi1, IPv4 TX_IP -> RX_IP, UDP to UDP_DPORT, the marker and a number. */
static struct pkt frame(void)
{
	struct pkt p = { 0 };
	char payload[48];
	int n;

	pkt_eth(&p, NULL, 0, ETH_P_IP);
	pkt_ip4(&p, TX_IP, RX_IP, IPPROTO_UDP);
	pkt_udp(&p, UDP_SPORT, UDP_DPORT);
	n = snprintf(payload, sizeof(payload), MARKER " %u", ++seq);
	memcpy(pkt_put(&p, (size_t)n), payload, (size_t)n);
	pkt_bytes(&p, 16);
	pkt_fix_lengths(&p);
	return p;
}

static bool has_marker(const void *data, size_t len)
{
	return memmem(data, len, MARKER, sizeof(MARKER) - 1) != NULL;
}

static void send_frame(const struct pkt *p)
{
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_ifindex = tx_ifindex };

	if (sendto(tx_fd, p->b, p->len, 0, (struct sockaddr *)&to, sizeof(to)) != (ssize_t)p->len) {
		note("sendto %s: %s\n", TX_DEV, strerror(errno));
		case_failed = true;
	}
}

/* ---- the AF_XDP socket ---- */

/* Hand n free umem frames to the kernel (all of them for n < 0). */
static void refill(int n)
{
	__u32 idx;

	if (n < 0 || n > n_free)
		n = n_free;
	if (!n)
		return;
	if (xsk_ring_prod__reserve(&fill_ring, (__u32)n, &idx) != (__u32)n) {
		note("fill ring has no room for %d frames\n", n);
		case_failed = true;
		return;
	}
	for (int i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(&fill_ring, idx + (__u32)i) = free_frames[--n_free];
	xsk_ring_prod__submit(&fill_ring, (__u32)n);
}

struct rx_frame {
	__u8 b[PKT_MAX];
	__u32 len;
};

/*
 * Up to max frames that carry the marker from the RX ring, waiting at most ms for them;
 * their umem frames go back to the free list (not to the fill ring: refill() does that).
 * Anything else the ring holds (there should be nothing) is counted in *strays.
 */
static int xsk_recv(struct rx_frame *out, int max, int ms, int *strays)
{
	long long deadline = now_ms() + ms;
	int got = 0;

	while (got < max) {
		struct pollfd pfd = { .fd = xsk_socket__fd(xsk), .events = POLLIN };
		long long left = deadline - now_ms();
		__u32 idx, n;

		n = xsk_ring_cons__peek(&rx_ring, (__u32)(max - got), &idx);
		if (!n) {
			if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
				break;
			continue;
		}
		for (__u32 i = 0; i < n; i++) {
			const struct xdp_desc *d = xsk_ring_cons__rx_desc(&rx_ring, idx + i);
			const void *data = xsk_umem__get_data(umem_area, d->addr);

			if (has_marker(data, d->len) && d->len <= PKT_MAX) {
				memcpy(out[got].b, data, d->len);
				out[got++].len = d->len;
			} else if (strays) {
				(*strays)++;
			}
			free_frames[n_free++] = d->addr - d->addr % FRAME_SIZE;
		}
		xsk_ring_cons__release(&rx_ring, n);
	}
	return got;
}

/*
 * Frames with the marker delivered to the UDP socket on RX_IP (the stack): waits at most
 * ms for want of them, then counts what else is already there (want 0: only that).
 */
static int udp_recv(int want, int ms)
{
	long long deadline = now_ms() + ms;
	char buf[256];
	int got = 0;

	for (;;) {
		struct pollfd pfd = { .fd = udp_fd, .events = POLLIN };
		long long left = got >= want ? 0 : deadline - now_ms();
		ssize_t n;

		if (poll(&pfd, 1, left > 0 ? (int)left : 0) <= 0)
			return got;
		n = recv(udp_fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0 && has_marker(buf, (size_t)n))
			got++;
	}
}

static __u64 xsk_rx_dropped(void)
{
	struct xdp_statistics st = { 0 };
	socklen_t len = sizeof(st);

	if (getsockopt(xsk_socket__fd(xsk), SOL_XDP, XDP_STATISTICS, &st, &len)) {
		note("getsockopt XDP_STATISTICS: %s\n", strerror(errno));
		case_failed = true;
	}
	return st.rx_dropped;
}

static int set_xsks_entry(bool present)
{
	int map_fd = bpf_map__fd(dpi->maps.xsks), sock_fd = xsk_socket__fd(xsk);
	__u32 key = 0;

	if (present)
		return bpf_map_update_elem(map_fd, &key, &sock_fd, BPF_ANY) ? -errno : 0;
	if (bpf_map_delete_elem(map_fd, &key) && errno != ENOENT)
		return -errno;
	return 0;
}

/* Every case starts with an empty RX ring, every frame in the fill ring, xsks[0] set. */
static void reset(void)
{
	struct rx_frame junk[FRAMES];
	int err;

	while (xsk_recv(junk, FRAMES, 0, NULL) > 0)
		;
	while (udp_recv(0, 0) > 0)
		;
	refill(-1);
	err = set_xsks_entry(true);
	if (err) {
		note("xsks[0] = socket: %s\n", strerror(-err));
		case_failed = true;
	}
}

/* ---- cases ---- */

static void expect_same(const struct rx_frame *got, const struct pkt *sent, int i)
{
	if (got->len != sent->len) {
		note("frame %d: %u bytes received, %zu sent\n", i, got->len, sent->len);
		case_failed = true;
		return;
	}
	for (size_t off = 0; off < sent->len; off++) {
		if (got->b[off] != sent->b[off]) {
			note("frame %d: byte %zu is 0x%02x, sent 0x%02x\n", i, off, got->b[off],
			     sent->b[off]);
			case_failed = true;
			return;
		}
	}
}

/* Send a burst, expect it on the RX ring in order, byte for byte, and not on the stack. */
static void burst_to_xsk(int n)
{
	struct rx_frame got[BURST];
	struct pkt sent[BURST];
	int strays = 0, k;

	for (int i = 0; i < n; i++) {
		sent[i] = frame();
		send_frame(&sent[i]);
	}
	k = xsk_recv(got, n, WAIT_MS, &strays);
	CHECK(k == n, "%d of %d frames on the RX ring within %d ms", k, n, WAIT_MS);
	for (int i = 0; i < k; i++)
		expect_same(&got[i], &sent[i], i);
	CHECK(strays == 0, "%d frames without the marker on the RX ring", strays);
	k = udp_recv(0, 0);
	CHECK(k == 0, "%d of the frames reached the stack too", k);
}

static void t_redirect(void)
{
	burst_to_xsk(BURST);
}

static void t_pass_without_entry(void)
{
	struct rx_frame got[1];
	struct pkt p = frame();
	int k, err = set_xsks_entry(false);

	if (err) {
		note("deleting xsks[0]: %s\n", strerror(-err));
		case_failed = true;
		return;
	}
	send_frame(&p);
	k = udp_recv(1, WAIT_MS);
	CHECK(k == 1, "%d frames (want 1) reached the UDP socket on %s within %d ms", k, RX_IP,
	      WAIT_MS);
	CHECK_EQ(xsk_recv(got, 1, QUIET_MS, NULL), 0);
	/* And back: the next frame goes to the socket again. */
	err = set_xsks_entry(true);
	CHECK(!err, "xsks[0] = socket again: %s", strerror(-err));
	burst_to_xsk(1);
}

/*
 * Three rounds over a umem that one burst uses up: with the fill ring empty a frame is
 * dropped (the socket's rx_dropped counts it), after a refill the next burst arrives.
 */
static void t_recycle(void)
{
	struct rx_frame got[1];

	for (int round = 0; round < 3 && !case_failed; round++) {
		struct pkt extra = frame();
		__u64 dropped;

		burst_to_xsk(BURST);
		CHECK_EQ(n_free, FRAMES);	/* every frame consumed and back with us */
		dropped = xsk_rx_dropped();
		send_frame(&extra);
		CHECK(xsk_recv(got, 1, QUIET_MS, NULL) == 0, "round %d: a frame arrived with the "
		      "fill ring empty", round + 1);
		CHECK(xsk_rx_dropped() == dropped + 1, "round %d: rx_dropped %llu -> %llu",
		      round + 1, (unsigned long long)dropped,
		      (unsigned long long)xsk_rx_dropped());
		CHECK(udp_recv(0, 0) == 0, "round %d: the dropped frame reached the stack", round + 1);
		refill(-1);
	}
}

struct test_case {
	const char *name;
	void (*fn)(void);
};

static const struct test_case cases[] = {
	{ "every frame on the XSK RX ring within 1 s, bytes exact, none to the stack",
	  t_redirect },
	{ "xsks[0] deleted: the frame passes to the stack, RX ring empty", t_pass_without_entry },
	{ "umem frames recycle: 3 rounds, dropped while the fill ring is empty", t_recycle },
};

#define N_CASES ((int)(sizeof(cases) / sizeof(cases[0])))

/* ---- setup ---- */

/* The sandbox (sandbox.h), and in it two veths with one queue each. */
static int enter_sandbox(void)
{
	if (sandbox_enter())
		return -1;
	/* IPv6 would send router solicitations into the XSK: keep the link to our frames. */
	if (access("/proc/sys/net/ipv6/conf/default/disable_ipv6", F_OK) == 0 &&
	    sh("echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6"))
		return -1;
	/* One queue each: the frames arrive on queue 0, where the socket is bound. */
	if (sh("ip link add " TX_DEV " address " TX_MAC " numtxqueues 1 numrxqueues 1 type veth "
	       "peer name " RX_DEV " address " RX_MAC " numtxqueues 1 numrxqueues 1") ||
	    sh("ip addr add " RX_IP "/24 dev " RX_DEV) ||
	    sh("ip link set " TX_DEV " up && ip link set " RX_DEV " up"))
		return -1;
	tx_ifindex = (int)if_nametoindex(TX_DEV);
	rx_ifindex = (int)if_nametoindex(RX_DEV);
	return 0;
}

static int print_line(const char *who, const char *fmt, va_list ap)
{
	char line[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(stderr, "# %s: %s", who, line);
	return 0;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_DEBUG ? 0 : print_line("libbpf", fmt, ap);
}

static int libxdp_print(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	return level == LIBXDP_DEBUG ? 0 : print_line("libxdp", fmt, ap);
}

static int open_sockets(void)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(UDP_DPORT) };

	/* Protocol 0: a sender that receives nothing. */
	tx_fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (tx_fd < 0)
		return -errno;
	udp_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (udp_fd < 0)
		return -errno;
	inet_pton(AF_INET, RX_IP, &addr.sin_addr);
	if (bind(udp_fd, (struct sockaddr *)&addr, sizeof(addr)))
		return -errno;
	return 0;
}

/* The umem and a copy-mode socket on RX_DEV queue 0; libxdp loads no program of its own. */
static int open_xsk(void)
{
	struct xsk_umem_config ucfg = {
		.fill_size = FRAMES,
		.comp_size = FRAMES,
		.frame_size = FRAME_SIZE,
	};
	struct xsk_socket_config scfg = {
		.rx_size = FRAMES,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = XDP_COPY,
	};
	int err;

	umem_area = mmap(NULL, FRAMES * FRAME_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (umem_area == MAP_FAILED) {
		umem_area = NULL;
		return -errno;
	}
	err = xsk_umem__create(&umem, umem_area, FRAMES * FRAME_SIZE, &fill_ring, &comp_ring,
			       &ucfg);
	if (err)
		return err;
	err = xsk_socket__create(&xsk, RX_DEV, 0, umem, &rx_ring, NULL, &scfg);
	if (err)
		return err;
	for (n_free = 0; n_free < FRAMES; n_free++)
		free_frames[n_free] = (__u64)n_free * FRAME_SIZE;
	return 0;
}

static int load(void)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = PIN_ROOT);
	int err;

	mkdir(PIN_ROOT, 0700);
	dpi = ztos_dpi__open_opts(&opts);
	if (!dpi)
		return -errno;
	err = ztos_dpi__load(dpi);
	if (err)
		return err;
	err = open_sockets();
	if (err)
		return err;
	return open_xsk();
}

static void cleanup(void)
{
	if (xsk)
		xsk_socket__delete(xsk);
	if (umem)
		xsk_umem__delete(umem);
	if (umem_area)
		munmap(umem_area, FRAMES * FRAME_SIZE);
	if (tx_fd >= 0)
		close(tx_fd);
	if (udp_fd >= 0)
		close(udp_fd);
	ztos_dpi__destroy(dpi);
	umount2("/sys/fs/bpf", MNT_DETACH);
}

static int n_run, failures;

static void report(const char *name)
{
	n_run++;
	if (case_failed)
		failures++;
	printf("%sok %d - %s XDP: %s%s\n", case_failed ? "not " : "", n_run, mode, name,
	       case_skipped ? " # SKIP" : "");
	for (char *line = strtok(diag, "\n"); line; line = strtok(NULL, "\n"))
		printf("# %s\n", line);
	diag_len = 0;
	diag[0] = 0;
	case_failed = case_skipped = false;
}

/*
 * Attach in one mode, run every case, detach. Native XDP on veth must work on every
 * kernel ztos supports; should it not, the cases are skipped with the reason and the
 * skb-mode run still covers the program.
 */
static void run_mode(const char *name, __u32 flags)
{
	int prog_fd = bpf_program__fd(dpi->progs.ztos_dpi_redirect);
	int err;

	mode = name;
	err = bpf_xdp_attach(rx_ifindex, prog_fd, flags, NULL);
	if (err) {
		note("bpf_xdp_attach to %s: %s; its cases skipped\n", RX_DEV, strerror(-err));
		case_skipped = true;
	}
	report("ztos_dpi_redirect attached to " RX_DEV);
	if (err)
		return;
	for (int i = 0; i < N_CASES; i++) {
		reset();
		cases[i].fn();
		report(cases[i].name);
	}
	err = bpf_xdp_detach(rx_ifindex, flags, NULL);
	if (err)
		fprintf(stderr, "# bpf_xdp_detach from %s: %s\n", RX_DEV, strerror(-err));
}

int main(void)
{
	int err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	libbpf_set_print(libbpf_print);
	libxdp_set_print(libxdp_print);
	if (geteuid() != 0) {
		printf("1..0 # SKIP AF_XDP and XDP on a veth need root\n");
		return 0;
	}
	if (enter_sandbox())
		return 1;
	err = load();
	if (err) {
		printf("not ok 1 - load ztos_dpi and open the AF_XDP socket on %s\n# %s\n", RX_DEV,
		       strerror(-err));
		printf("1..1\n");
		cleanup();
		return 1;
	}

	run_mode("native", XDP_FLAGS_DRV_MODE);
	run_mode("skb-mode", XDP_FLAGS_SKB_MODE);
	printf("1..%d\n", n_run);
	cleanup();
	return failures ? 1 : 0;
}
