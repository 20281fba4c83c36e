/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A machine-independent figure beside the nanoseconds: how many BPF instructions a
 * loaded program executes on one packet, and how many map operations and helper calls
 * it makes. A user-space interpreter runs the instructions libbpf handed the kernel
 * (relocated, before the verifier's rewrites) against copies of the program's maps
 * taken from the kernel, so the path is the one the kernel takes with the same map
 * contents. Helpers are counted, not timed; what a helper costs inside the kernel
 * (a hash lookup's jhash, an LRU insert) is the ns figure's business.
 */
#ifndef ZTOS_BENCH_BPF_COUNT_H
#define ZTOS_BENCH_BPF_COUNT_H

#include <stddef.h>
#include <stdint.h>

#include <bpf/libbpf.h>

struct bpfc_counts {
	uint64_t insns;		/* BPF instructions executed (ld_imm64 counts once) */
	uint64_t hash_ops;	/* lookups/updates/deletes on HASH and LRU_HASH maps: helper calls */
	uint64_t array_ops;	/* lookups in ARRAY/PERCPU_ARRAY maps: the verifier inlines them */
	uint64_t global_ops;	/* loads and stores of .bss/.data/.rodata globals: plain memory */
	uint64_t atomics;	/* BPF_ATOMIC instructions (lock-prefixed on x86) */
	uint64_t helpers;	/* every helper call, map operations included */
	uint64_t ringbuf;	/* ring buffer records reserved */
};

struct bpfc;

/* Copies every map of obj (loaded) from the kernel. NULL with errno on failure. */
struct bpfc *bpfc_new(struct bpf_object *obj);
void bpfc_free(struct bpfc *c);

/*
 * Runs prog (of c's object, an XDP program) on the packet pkt[0..len) as one
 * BPF_PROG_RUN would; the packet may be written. Adds what it did to *sum, and puts
 * the program's return code in *retval. 0, or -errno (an instruction or helper this
 * interpreter does not know, a bad access) with the reason on stderr.
 */
int bpfc_run(struct bpfc *c, const struct bpf_program *prog, void *pkt, size_t len,
	     uint32_t *retval, struct bpfc_counts *sum);

#endif
