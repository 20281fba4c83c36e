/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What every ztos BPF object includes first: the kernel's types (vmlinux.h, generated
 * at build time from the running kernel's BTF), libbpf's helpers, the contract with
 * user space, and the few constants that BTF cannot carry (they are macros).
 */
#ifndef ZTOS_LIB_ZTOS_H
#define ZTOS_LIB_ZTOS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/*
 * ztos_common.h includes <linux/types.h> for user space. vmlinux.h already defines
 * every __u8..__u64 it needs, but the UAPI header drags in posix_types.h, whose
 * __kernel_fd_set and __kernel_size_t clash with vmlinux.h's. Mark it as included.
 */
#define _LINUX_TYPES_H
#include "ztos_common.h"

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8

#define IPPROTO_ICMPV6 58

#define IP_MF 0x2000
#define IP_OFFSET 0x1FFF

#define TC_ACT_OK 0
#define TC_ACT_SHOT 2

#define EEXIST 17

/*
 * Verifier workaround: the verifier takes context loads only at a constant offset
 * from the context pointer itself ("dereference of modified ctx ptr"). clang may
 * compute the field's address first, to share one load between two paths or to keep
 * it across a helper call. Inline asm pins the load to the form the verifier takes.
 */
#define ztos_ctx_u32(ctx, type, field)                                                   \
	({                                                                               \
		__u64 __v;                                                               \
		asm volatile("%0 = *(u32 *)(%1 + %2)"                                    \
			     : "=r"(__v)                                                 \
			     : "r"(ctx), "i"(__builtin_offsetof(type, field)));          \
		(__u32)__v;                                                              \
	})

/* The same for the packet pointers (data, data_end), which must not be truncated. */
#define ztos_ctx_ptr(ctx, type, field)                                                   \
	({                                                                               \
		void *__p;                                                               \
		asm volatile("%0 = *(u32 *)(%1 + %2)"                                    \
			     : "=r"(__p)                                                 \
			     : "r"(ctx), "i"(__builtin_offsetof(type, field)));          \
		__p;                                                                     \
	})

#endif
