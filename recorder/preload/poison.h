// poison.h — the libc names the shim must not call, turned into compile errors. Every shim
// source includes this header last, after all system headers. A call to one of these from
// inside the target could re-enter the shim, run an allocator or a stdio lock the program
// holds, or set the program's errno behind its back; the shim has its own helpers instead
// (shim.h: CopyBytes, ZeroBytes, StrLen, WriteStderr, RawSyscall, FutexWait/Wake).
//
// Names the shim itself defines as hooks (nanosleep, sleep, time, syscall…) cannot be
// poisoned here; tests/unit/preload/symbols_test checks what the built library imports.
#pragma once

// ---- bytes and strings: shim.h's CopyBytes, ZeroBytes, StrLen ----
#define memcpy you_must_use_the_shims_own_CopyBytes
#define memmove you_must_use_the_shims_own_CopyBytes
#define memset you_must_use_the_shims_own_ZeroBytes
#define memcmp you_must_not_call_libc_memcmp_in_the_shim
#define bzero you_must_use_the_shims_own_ZeroBytes
#define strlen you_must_use_the_shims_own_StrLen
#define strnlen you_must_use_the_shims_own_StrLen
#define strcmp you_must_not_call_libc_strcmp_in_the_shim
#define strncmp you_must_not_call_libc_strncmp_in_the_shim
#define strcpy you_must_not_call_libc_strcpy_in_the_shim
#define strncpy you_must_not_call_libc_strncpy_in_the_shim
#define strcat you_must_not_call_libc_strcat_in_the_shim
#define strchr you_must_not_call_libc_strchr_in_the_shim
#define strrchr you_must_not_call_libc_strrchr_in_the_shim
#define strstr you_must_not_call_libc_strstr_in_the_shim
#define strdup you_must_not_allocate_in_the_shim
#define strtol you_must_not_call_libc_strtol_in_the_shim
#define strtoul you_must_not_call_libc_strtoul_in_the_shim
#define atoi you_must_not_call_libc_atoi_in_the_shim

// ---- allocation: the shim maps its tables with RawSyscall(SYS_mmap) ----
#define malloc you_must_not_allocate_in_the_shim
#define calloc you_must_not_allocate_in_the_shim
#define realloc you_must_not_allocate_in_the_shim
#define free you_must_not_allocate_in_the_shim
#define posix_memalign you_must_not_allocate_in_the_shim
#define aligned_alloc you_must_not_allocate_in_the_shim
#define memalign you_must_not_allocate_in_the_shim
#define valloc you_must_not_allocate_in_the_shim
#undef alloca  // <stdlib.h> makes it a macro
#define alloca you_must_not_allocate_in_the_shim

// ---- stdio (locks, buffers, allocation): WriteStderr ----
#define printf you_must_use_the_shims_own_WriteStderr
#define fprintf you_must_use_the_shims_own_WriteStderr
#define sprintf you_must_not_call_libc_stdio_in_the_shim
#define snprintf you_must_not_call_libc_stdio_in_the_shim
#define vprintf you_must_use_the_shims_own_WriteStderr
#define vfprintf you_must_use_the_shims_own_WriteStderr
#define vsnprintf you_must_not_call_libc_stdio_in_the_shim
#define dprintf you_must_use_the_shims_own_WriteStderr
#define puts you_must_use_the_shims_own_WriteStderr
#define fputs you_must_use_the_shims_own_WriteStderr
#define fwrite you_must_use_the_shims_own_WriteStderr
#define fflush you_must_not_call_libc_stdio_in_the_shim
#define fopen you_must_not_call_libc_stdio_in_the_shim
#define perror you_must_use_the_shims_own_WriteStderr

// ---- errno-setting system call wrappers (the program's errno): RawSyscall ----
#define write you_must_use_RawSyscall_SYS_write
#define read you_must_use_RawSyscall_SYS_read
#define open you_must_use_RawSyscall_SYS_openat
#define openat you_must_use_RawSyscall_SYS_openat
#define close you_must_use_RawSyscall_SYS_close
#define mmap you_must_use_RawSyscall_SYS_mmap
#define munmap you_must_use_RawSyscall_SYS_munmap
#define mprotect you_must_use_RawSyscall_SYS_mprotect
#define fstat you_must_use_RawSyscall_SYS_fstat
#define getpid you_must_use_RawSyscall_SYS_getpid
#define gettid you_must_use_the_shims_own_Gettid
#define sched_getaffinity you_must_use_RawSyscall_SYS_sched_getaffinity
#define sched_setaffinity you_must_use_RawSyscall_SYS_sched_setaffinity
#define kill you_must_use_RawSyscall_SYS_kill
#define raise you_must_use_RawSyscall_SYS_tgkill
#define exit you_must_use_RawSyscall_SYS_exit_group
#define _exit you_must_use_RawSyscall_SYS_exit_group
#define abort you_must_use_the_shims_own_Die
