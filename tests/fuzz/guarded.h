/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The input copied to the end of a buffer followed by an unmapped page: a read past it
 * faults even inside a library that is not built with ASan (libnl's nla_get_u32() on
 * an attribute too short for it). align: the copy's start is a multiple of it (netlink
 * messages are 4-aligned; their padding then stays readable).
 */
#ifndef ZTOS_FUZZ_GUARDED_H
#define ZTOS_FUZZ_GUARDED_H

#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define GUARDED_MAX (1u << 20)

static inline void *guarded_copy(const uint8_t *data, size_t size, size_t align)
{
	static uint8_t *area;
	static size_t len;
	size_t page = (size_t)sysconf(_SC_PAGESIZE), at;

	if (size > GUARDED_MAX)
		return NULL;
	if (!area) {
		len = GUARDED_MAX + page;
		area = mmap(NULL, len + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			    -1, 0);
		if (area == MAP_FAILED || mprotect(area + len, page, PROT_NONE))
			__builtin_trap();
	}
	at = len - ((size + align - 1) / align) * align;
	memset(area + at, 0, len - at);
	memcpy(area + at, data, size);
	return area + at;
}

#endif
