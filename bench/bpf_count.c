// SPDX-License-Identifier: GPL-2.0-only
/*
 * The interpreter behind bpf_count.h. It knows the eBPF instruction set (ALU, JMP,
 * JMP32, loads, stores, atomics, ld_imm64 with map relocations, BPF-to-BPF calls) and
 * the helpers the ztos XDP program calls; the maps are user-space copies of the
 * kernel's, taken once by bpfc_new(). Per-CPU maps keep CPU 0's values only, and a
 * program sees them as the kernel shows a per-CPU map to BPF: one CPU's value.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "bpf_count.h"

/* Sign-extending loads (cpu v4): newer than this machine's UAPI headers. */
#ifndef BPF_MEMSX
#define BPF_MEMSX 0x80
#endif

#define STACK_SIZE 512
#define MAX_FRAMES 8
#define HASH_BUCKETS 4096
#define RINGBUF_RECORD_MAX 4096
#define STEP_LIMIT 1000000	/* one packet: no program of ours runs this long */

struct hentry {
	struct hentry *next;
	uint8_t data[];		/* key, then value at an 8-byte aligned offset */
};

struct emap {
	int fd;
	enum bpf_map_type type;
	uint32_t key_size, value_size, max_entries;
	size_t value_off;	/* in a hentry's data */
	uint8_t *array;		/* ARRAY, PERCPU_ARRAY: max_entries values, 8-byte aligned */
	size_t stride;
	struct hentry **buckets;	/* HASH, LRU_HASH */
	uint32_t count;
	bool global;		/* .bss/.data/.rodata: plain memory to the program */
};

struct bpfc {
	struct emap *maps;
	size_t n_maps;
	uint8_t ringbuf_record[RINGBUF_RECORD_MAX];
};

struct frame {
	size_t ret_pc;
	uint64_t saved[4];	/* r6..r9 */
	uint64_t fp;		/* r10 */
};

/* What a run needs: the registers, the stack, the context and where they all live. */
struct vm {
	struct bpfc *c;
	const struct bpf_insn *insn;
	size_t n_insns;
	uint64_t r[11];
	uint8_t stack[MAX_FRAMES][STACK_SIZE];
	struct frame frames[MAX_FRAMES];
	int depth;
	uint32_t ctx[6];	/* struct xdp_md, whose data/data_end loads give pointers */
	uint8_t *data, *data_end;
	struct bpfc_counts n;
};

static uint32_t hash_key(const void *key, uint32_t len)
{
	const uint8_t *k = key;
	uint32_t h = 2166136261u;

	for (uint32_t i = 0; i < len; i++)
		h = (h ^ k[i]) * 16777619u;
	return h % HASH_BUCKETS;
}

static struct hentry *hash_find(struct emap *m, const void *key)
{
	struct hentry *e = m->buckets[hash_key(key, m->key_size)];

	while (e && memcmp(e->data, key, m->key_size))
		e = e->next;
	return e;
}

static int hash_insert(struct emap *m, const void *key, const void *value)
{
	struct hentry *e = hash_find(m, key), **b;

	if (!e) {
		/* An LRU map evicts; which entry goes does not change the count of a path. */
		if (m->count >= m->max_entries && m->type != BPF_MAP_TYPE_LRU_HASH &&
		    m->type != BPF_MAP_TYPE_LRU_PERCPU_HASH)
			return -E2BIG;
		e = calloc(1, sizeof(*e) + m->value_off + m->value_size);
		if (!e)
			return -ENOMEM;
		memcpy(e->data, key, m->key_size);
		b = &m->buckets[hash_key(key, m->key_size)];
		e->next = *b;
		*b = e;
		m->count++;
	}
	memcpy(e->data + m->value_off, value, m->value_size);
	return 0;
}

static int hash_delete(struct emap *m, const void *key)
{
	struct hentry **p = &m->buckets[hash_key(key, m->key_size)], *e;

	for (; (e = *p); p = &e->next) {
		if (!memcmp(e->data, key, m->key_size)) {
			*p = e->next;
			free(e);
			m->count--;
			return 0;
		}
	}
	return -ENOENT;
}

static bool is_hash(enum bpf_map_type t)
{
	return t == BPF_MAP_TYPE_HASH || t == BPF_MAP_TYPE_LRU_HASH ||
	       t == BPF_MAP_TYPE_PERCPU_HASH || t == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static bool is_percpu(enum bpf_map_type t)
{
	return t == BPF_MAP_TYPE_PERCPU_ARRAY || t == BPF_MAP_TYPE_PERCPU_HASH ||
	       t == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static bool is_array(enum bpf_map_type t)
{
	return t == BPF_MAP_TYPE_ARRAY || t == BPF_MAP_TYPE_PERCPU_ARRAY;
}

/* Copies the kernel map's contents: every index of an array, every key of a hash. */
static int copy_map(struct emap *m)
{
	int ncpus = libbpf_num_possible_cpus();
	size_t vsz = is_percpu(m->type) ? (size_t)ncpus * m->stride : m->stride;
	uint8_t *key = calloc(1, m->key_size), *next = calloc(1, m->key_size);
	uint8_t *val = calloc(1, vsz + m->value_size);
	int err = 0;

	if (!key || !next || !val) {
		err = -ENOMEM;
		goto out;
	}
	if (is_array(m->type)) {
		for (uint32_t i = 0; i < m->max_entries; i++)
			if (!bpf_map_lookup_elem(m->fd, &i, val))
				memcpy(m->array + i * m->stride, val, m->value_size);
		goto out;
	}
	if (bpf_map_get_next_key(m->fd, NULL, next))
		goto out;	/* empty */
	do {
		memcpy(key, next, m->key_size);
		if (!bpf_map_lookup_elem(m->fd, key, val)) {
			err = hash_insert(m, key, val);
			if (err)
				goto out;
		}
	} while (!bpf_map_get_next_key(m->fd, key, next));
out:
	free(key);
	free(next);
	free(val);
	return err;
}

static int add_map(struct bpfc *c, const struct bpf_map *map)
{
	struct emap *m = &c->maps[c->n_maps];

	m->fd = bpf_map__fd(map);
	m->type = bpf_map__type(map);
	m->key_size = bpf_map__key_size(map);
	m->value_size = bpf_map__value_size(map);
	m->max_entries = bpf_map__max_entries(map);
	m->global = bpf_map__is_internal(map);
	m->stride = (m->value_size + 7) & ~7u;
	m->value_off = (m->key_size + 7) & ~7u;
	if (is_array(m->type)) {
		m->array = calloc(m->max_entries, m->stride);
		if (!m->array)
			return -ENOMEM;
	} else if (is_hash(m->type)) {
		m->buckets = calloc(HASH_BUCKETS, sizeof(*m->buckets));
		if (!m->buckets)
			return -ENOMEM;
	} else {
		c->n_maps++;
		return 0;	/* ring buffers and the like hold nothing to copy */
	}
	c->n_maps++;
	return copy_map(m);
}

struct bpfc *bpfc_new(struct bpf_object *obj)
{
	struct bpfc *c = calloc(1, sizeof(*c));
	struct bpf_map *map;
	size_t n = 0;
	int err = 0;

	if (!c)
		return NULL;
	bpf_object__for_each_map(map, obj)
		n++;
	c->maps = calloc(n, sizeof(*c->maps));
	if (!c->maps) {
		err = -ENOMEM;
		goto fail;
	}
	bpf_object__for_each_map(map, obj) {
		err = add_map(c, map);
		if (err) {
			fprintf(stderr, "bpf_count: copying map %s: %s\n", bpf_map__name(map),
				strerror(-err));
			goto fail;
		}
	}
	return c;
fail:
	bpfc_free(c);
	errno = -err;
	return NULL;
}

void bpfc_free(struct bpfc *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_maps; i++) {
		struct emap *m = &c->maps[i];

		free(m->array);
		for (uint32_t b = 0; m->buckets && b < HASH_BUCKETS; b++) {
			while (m->buckets[b]) {
				struct hentry *e = m->buckets[b];

				m->buckets[b] = e->next;
				free(e);
			}
		}
		free(m->buckets);
	}
	free(c->maps);
	free(c);
}

static struct emap *map_by_fd(struct bpfc *c, int fd)
{
	for (size_t i = 0; i < c->n_maps; i++)
		if (c->maps[i].fd == fd)
			return &c->maps[i];
	return NULL;
}

static struct emap *map_by_ptr(struct bpfc *c, uint64_t p)
{
	for (size_t i = 0; i < c->n_maps; i++)
		if ((uint64_t)(uintptr_t)&c->maps[i] == p)
			return &c->maps[i];
	return NULL;
}

/* A pointer into a global's storage: counted as a plain memory access. */
static bool in_globals(struct bpfc *c, uint64_t addr)
{
	for (size_t i = 0; i < c->n_maps; i++) {
		struct emap *m = &c->maps[i];

		if (m->global && m->array && addr >= (uint64_t)(uintptr_t)m->array &&
		    addr < (uint64_t)(uintptr_t)(m->array + m->stride))
			return true;
	}
	return false;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int helper_map(struct vm *vm, int id, uint64_t *ret)
{
	struct emap *m = map_by_ptr(vm->c, vm->r[1]);
	void *key = (void *)(uintptr_t)vm->r[2];
	struct hentry *e;

	if (!m) {
		fprintf(stderr, "bpf_count: helper %d on something not a map\n", id);
		return -EINVAL;
	}
	if (is_array(m->type) && id == BPF_FUNC_map_lookup_elem) {
		uint32_t i = *(uint32_t *)key;

		vm->n.array_ops++;
		*ret = i < m->max_entries ? (uint64_t)(uintptr_t)(m->array + i * m->stride) : 0;
		return 0;
	}
	if (!is_hash(m->type)) {
		fprintf(stderr, "bpf_count: helper %d on map type %d: not known here\n", id,
			m->type);
		return -EOPNOTSUPP;
	}
	vm->n.hash_ops++;
	vm->n.helpers++;
	switch (id) {
	case BPF_FUNC_map_lookup_elem:
		e = hash_find(m, key);
		*ret = e ? (uint64_t)(uintptr_t)(e->data + m->value_off) : 0;
		return 0;
	case BPF_FUNC_map_update_elem:
		if (vm->r[4] == BPF_NOEXIST && hash_find(m, key))
			*ret = (uint64_t)-EEXIST;
		else if (vm->r[4] == BPF_EXIST && !hash_find(m, key))
			*ret = (uint64_t)-ENOENT;
		else
			*ret = (uint64_t)(int64_t)hash_insert(m, key, (void *)(uintptr_t)vm->r[3]);
		return 0;
	default:
		*ret = (uint64_t)(int64_t)hash_delete(m, key);
		return 0;
	}
}

static int helper(struct vm *vm, int id)
{
	uint64_t ret = 0;

	switch (id) {
	case BPF_FUNC_map_lookup_elem:
	case BPF_FUNC_map_update_elem:
	case BPF_FUNC_map_delete_elem:
		if (helper_map(vm, id, &ret))
			return -EINVAL;
		break;
	case BPF_FUNC_jiffies64:
		/* Inlined by the verifier to one load: counted as an instruction. */
		vm->n.insns++;
		ret = now_ns() / 4000000;
		break;
	case BPF_FUNC_ktime_get_ns:
	case BPF_FUNC_ktime_get_coarse_ns:
		vm->n.helpers++;
		ret = now_ns();
		break;
	case BPF_FUNC_get_smp_processor_id:
		vm->n.insns++;
		break;
	case BPF_FUNC_ringbuf_reserve:
		vm->n.helpers++;
		vm->n.ringbuf++;
		if (vm->r[2] > RINGBUF_RECORD_MAX)
			break;
		memset(vm->c->ringbuf_record, 0, sizeof(vm->c->ringbuf_record));
		ret = (uint64_t)(uintptr_t)vm->c->ringbuf_record;
		break;
	case BPF_FUNC_ringbuf_submit:
	case BPF_FUNC_ringbuf_discard:
	case BPF_FUNC_ringbuf_query:
		vm->n.helpers++;
		break;
	default:
		fprintf(stderr, "bpf_count: helper %d is not known here\n", id);
		return -EOPNOTSUPP;
	}
	vm->r[0] = ret;
	/* The caller-saved registers are clobbered: poison them as the kernel's checks would. */
	for (int i = 1; i <= 5; i++)
		vm->r[i] = 0xdeadbeefdeadbeefull;
	return 0;
}

/* ctx loads: data and data_end are 32-bit fields that give the program 64-bit pointers. */
static bool ctx_load(struct vm *vm, uint64_t addr, uint64_t *v)
{
	uint64_t base = (uint64_t)(uintptr_t)vm->ctx;

	if (addr < base || addr >= base + sizeof(vm->ctx))
		return false;
	switch (addr - base) {
	case 0:
	case 8:		/* data_meta: none, so data */
		*v = (uint64_t)(uintptr_t)vm->data;
		break;
	case 4:
		*v = (uint64_t)(uintptr_t)vm->data_end;
		break;
	default:
		*v = vm->ctx[(addr - base) / 4];
	}
	return true;
}

static uint64_t load(const void *p, int size)
{
	switch (size) {
	case BPF_B:
		return *(const uint8_t *)p;
	case BPF_H:
		return *(const uint16_t *)p;
	case BPF_W:
		return *(const uint32_t *)p;
	default:
		return *(const uint64_t *)p;
	}
}

static void store(void *p, int size, uint64_t v)
{
	switch (size) {
	case BPF_B:
		*(uint8_t *)p = (uint8_t)v;
		break;
	case BPF_H:
		*(uint16_t *)p = (uint16_t)v;
		break;
	case BPF_W:
		*(uint32_t *)p = (uint32_t)v;
		break;
	default:
		*(uint64_t *)p = v;
	}
}

static uint64_t alu(uint8_t op, uint64_t d, uint64_t s, bool is64, int16_t off, int32_t imm)
{
	if (!is64) {
		d = (uint32_t)d;
		s = (uint32_t)s;
	}
	switch (op) {
	case BPF_ADD: d += s; break;
	case BPF_SUB: d -= s; break;
	case BPF_MUL: d *= s; break;
	case BPF_DIV: d = s ? d / s : 0; break;
	case BPF_OR: d |= s; break;
	case BPF_AND: d &= s; break;
	case BPF_LSH: d = is64 ? d << (s & 63) : (uint32_t)d << (s & 31); break;
	case BPF_RSH: d = is64 ? d >> (s & 63) : (uint32_t)d >> (s & 31); break;
	case BPF_NEG: d = -d; break;
	case BPF_MOD: d = s ? d % s : d; break;
	case BPF_XOR: d ^= s; break;
	case BPF_MOV:
		if (off == 8)
			d = is64 ? (uint64_t)(int64_t)(int8_t)s : (uint32_t)(int32_t)(int8_t)s;
		else if (off == 16)
			d = is64 ? (uint64_t)(int64_t)(int16_t)s : (uint32_t)(int32_t)(int16_t)s;
		else if (off == 32)
			d = (uint64_t)(int64_t)(int32_t)s;
		else
			d = s;
		break;
	case BPF_ARSH:
		d = is64 ? (uint64_t)((int64_t)d >> (s & 63))
			 : (uint32_t)((int32_t)d >> (s & 31));
		break;
	}
	return is64 ? d : (uint32_t)d;
}

/* BPF_END: to big (BPF_TO_BE) or little endian; x86 is little endian. */
static uint64_t endian(uint64_t d, bool to_be, int32_t bits)
{
	if (!to_be) {
		return bits == 16 ? (uint16_t)d : bits == 32 ? (uint32_t)d : d;
	}
	switch (bits) {
	case 16: return __builtin_bswap16((uint16_t)d);
	case 32: return __builtin_bswap32((uint32_t)d);
	default: return __builtin_bswap64(d);
	}
}

static bool jump(uint8_t op, uint64_t d, uint64_t s, bool is64)
{
	int64_t sd = is64 ? (int64_t)d : (int32_t)d, ss = is64 ? (int64_t)s : (int32_t)s;

	if (!is64) {
		d = (uint32_t)d;
		s = (uint32_t)s;
	}
	switch (op) {
	case BPF_JEQ: return d == s;
	case BPF_JGT: return d > s;
	case BPF_JGE: return d >= s;
	case BPF_JSET: return d & s;
	case BPF_JNE: return d != s;
	case BPF_JSGT: return sd > ss;
	case BPF_JSGE: return sd >= ss;
	case BPF_JLT: return d < s;
	case BPF_JLE: return d <= s;
	case BPF_JSLT: return sd < ss;
	case BPF_JSLE: return sd <= ss;
	}
	return false;
}

static void atomic(struct vm *vm, const struct bpf_insn *in, uint64_t addr)
{
	int size = BPF_SIZE(in->code);
	uint64_t old = load((void *)(uintptr_t)addr, size), src = vm->r[in->src_reg], v = old;

	vm->n.atomics++;
	switch (in->imm & ~BPF_FETCH) {
	case BPF_ADD: v = old + src; break;
	case BPF_OR: v = old | src; break;
	case BPF_AND: v = old & src; break;
	case BPF_XOR: v = old ^ src; break;
	}
	if (in->imm == BPF_XCHG) {
		v = src;
	} else if (in->imm == BPF_CMPXCHG) {
		v = old == (size == BPF_W ? (uint32_t)vm->r[0] : vm->r[0]) ? src : old;
		vm->r[0] = old;
	}
	store((void *)(uintptr_t)addr, size, v);
	if ((in->imm & BPF_FETCH) && in->imm != BPF_CMPXCHG)
		vm->r[in->src_reg] = size == BPF_W ? (uint32_t)old : old;
}

static int ld_imm64(struct vm *vm, const struct bpf_insn *in)
{
	uint64_t v = (uint32_t)in[0].imm | (uint64_t)(uint32_t)in[1].imm << 32;
	struct emap *m;

	if (in->src_reg == BPF_PSEUDO_MAP_FD || in->src_reg == BPF_PSEUDO_MAP_VALUE) {
		m = map_by_fd(vm->c, in->imm);
		if (!m || (in->src_reg == BPF_PSEUDO_MAP_VALUE && !m->array)) {
			fprintf(stderr, "bpf_count: ld_imm64 of an unknown map fd %d\n", in->imm);
			return -EINVAL;
		}
		v = in->src_reg == BPF_PSEUDO_MAP_FD
			    ? (uint64_t)(uintptr_t)m
			    : (uint64_t)(uintptr_t)(m->array + (uint32_t)in[1].imm);
	} else if (in->src_reg) {
		fprintf(stderr, "bpf_count: ld_imm64 kind %d is not known here\n", in->src_reg);
		return -EOPNOTSUPP;
	}
	vm->r[in->dst_reg] = v;
	return 0;
}

static int call(struct vm *vm, const struct bpf_insn *in, size_t *pc)
{
	struct frame *f;

	if (in->src_reg != BPF_PSEUDO_CALL)
		return helper(vm, in->imm);
	if (vm->depth + 1 >= MAX_FRAMES)
		return -E2BIG;
	f = &vm->frames[vm->depth++];
	f->ret_pc = *pc;
	memcpy(f->saved, &vm->r[6], sizeof(f->saved));
	f->fp = vm->r[10];
	vm->r[10] = (uint64_t)(uintptr_t)(vm->stack[vm->depth] + STACK_SIZE);
	*pc += in->imm;
	return 0;
}

/* Returns 1 when the outermost frame exits. */
static int ret(struct vm *vm, size_t *pc)
{
	struct frame *f;

	if (!vm->depth)
		return 1;
	f = &vm->frames[--vm->depth];
	*pc = f->ret_pc;
	memcpy(&vm->r[6], f->saved, sizeof(f->saved));
	vm->r[10] = f->fp;
	return 0;
}

static int mem(struct vm *vm, const struct bpf_insn *in)
{
	uint8_t cls = BPF_CLASS(in->code), mode = BPF_MODE(in->code);
	int size = BPF_SIZE(in->code);
	uint64_t addr, v;

	if (cls == BPF_LDX) {
		addr = vm->r[in->src_reg] + in->off;
		if (!ctx_load(vm, addr, &v)) {
			v = load((void *)(uintptr_t)addr, size);
			if (mode == BPF_MEMSX)
				v = size == BPF_B ? (uint64_t)(int8_t)v
				    : size == BPF_H ? (uint64_t)(int16_t)v
						    : (uint64_t)(int32_t)v;
		}
		if (in_globals(vm->c, addr))
			vm->n.global_ops++;
		vm->r[in->dst_reg] = v;
		return 0;
	}
	addr = vm->r[in->dst_reg] + in->off;
	if (in_globals(vm->c, addr))
		vm->n.global_ops++;
	if (cls == BPF_STX && mode == BPF_ATOMIC) {
		atomic(vm, in, addr);
		return 0;
	}
	store((void *)(uintptr_t)addr, size,
	      cls == BPF_ST ? (uint64_t)(int64_t)in->imm : vm->r[in->src_reg]);
	return 0;
}

static int step(struct vm *vm, size_t *pc)
{
	const struct bpf_insn *in = &vm->insn[*pc];
	uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
	bool is64 = cls == BPF_ALU64 || cls == BPF_JMP;
	uint64_t src;

	vm->n.insns++;
	(*pc)++;
	switch (cls) {
	case BPF_LD:
		if (in->code != (BPF_LD | BPF_IMM | BPF_DW) || *pc >= vm->n_insns)
			break;
		(*pc)++;
		return ld_imm64(vm, in);
	case BPF_LDX:
	case BPF_ST:
	case BPF_STX:
		return mem(vm, in);
	case BPF_ALU:
	case BPF_ALU64:
		src = BPF_SRC(in->code) == BPF_X ? vm->r[in->src_reg] : (uint64_t)(int64_t)in->imm;
		if (op == BPF_END) {
			vm->r[in->dst_reg] = endian(vm->r[in->dst_reg],
						    cls == BPF_ALU64 || BPF_SRC(in->code) == BPF_X,
						    in->imm);
			return 0;
		}
		vm->r[in->dst_reg] = alu(op, vm->r[in->dst_reg], src, is64, in->off, in->imm);
		return 0;
	case BPF_JMP:
	case BPF_JMP32:
		if (op == BPF_CALL)
			return call(vm, in, pc);
		if (op == BPF_EXIT)
			return ret(vm, pc);
		if (op == BPF_JA) {
			*pc += cls == BPF_JMP32 ? in->imm : in->off;
			return 0;
		}
		src = BPF_SRC(in->code) == BPF_X ? vm->r[in->src_reg] : (uint64_t)(int64_t)in->imm;
		if (jump(op, vm->r[in->dst_reg], src, is64))
			*pc += in->off;
		return 0;
	}
	fprintf(stderr, "bpf_count: instruction %zu (code 0x%02x) is not known here\n", *pc - 1,
		in->code);
	return -EOPNOTSUPP;
}

int bpfc_run(struct bpfc *c, const struct bpf_program *prog, void *pkt, size_t len,
	     uint32_t *retval, struct bpfc_counts *sum)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	size_t pc = 0;
	int err = 0;

	if (!vm)
		return -ENOMEM;
	vm->c = c;
	vm->insn = bpf_program__insns(prog);
	vm->n_insns = bpf_program__insn_cnt(prog);
	vm->data = pkt;
	vm->data_end = (uint8_t *)pkt + len;
	vm->ctx[3] = 1;		/* ingress_ifindex: lo, as under BPF_PROG_RUN */
	vm->r[1] = (uint64_t)(uintptr_t)vm->ctx;
	vm->r[10] = (uint64_t)(uintptr_t)(vm->stack[0] + STACK_SIZE);
	if (!vm->insn || !vm->n_insns) {
		fprintf(stderr, "bpf_count: %s has no instructions left to run\n",
			bpf_program__name(prog));
		err = -ENOENT;
		goto out;
	}
	for (;;) {
		if (pc >= vm->n_insns || vm->n.insns > STEP_LIMIT) {
			fprintf(stderr, "bpf_count: %s ran off its end (pc %zu)\n",
				bpf_program__name(prog), pc);
			err = -EFAULT;
			goto out;
		}
		err = step(vm, &pc);
		if (err == 1) {
			err = 0;
			break;
		}
		if (err)
			goto out;
	}
	*retval = (uint32_t)vm->r[0];
	sum->insns += vm->n.insns;
	sum->hash_ops += vm->n.hash_ops;
	sum->array_ops += vm->n.array_ops;
	sum->global_ops += vm->n.global_ops;
	sum->atomics += vm->n.atomics;
	sum->helpers += vm->n.helpers;
	sum->ringbuf += vm->n.ringbuf;
out:
	free(vm);
	return err;
}
