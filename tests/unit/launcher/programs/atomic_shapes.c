// atomic_shapes.c — atomic instructions in the shapes the atomic-site scanner must tell
// apart (atomic_scan_test.cc). Never run: only disassembled.
//   shape_rdi:      lock xadd %eax,(%rdi), 5 nops after it     patchable, base rdi, 4 bytes
//   shape_rip:      lock incq counter(%rip)                    patchable, RIP-relative, 8
//   shape_tls:      lock addl $1,%fs:16                        thread-local: not listed
//   shape_target:   a jump lands right after the cmpxchg        not patchable
//   shape_ret:      xchg %eax,(%rdi); ret                       not patchable (3 bytes)
//   shape_regs:     xchg %eax,%ebx                              no memory: no atomic access
long counter;

__asm__(
    ".text\n"
    ".globl shape_rdi\n"
    "shape_rdi:\n"
    "  lock xaddl %eax, (%rdi)\n"
    "  nop; nop; nop; nop; nop\n"
    "  ret\n"
    ".globl shape_rip\n"
    "shape_rip:\n"
    "  lock incq counter(%rip)\n"
    "  nop; nop; nop; nop; nop\n"
    "  ret\n"
    ".globl shape_tls\n"
    "shape_tls:\n"
    "  lock addl $1, %fs:16\n"
    "  nop; nop; nop; nop; nop\n"
    "  ret\n"
    ".globl shape_target\n"
    "shape_target:\n"
    "  testl %esi, %esi\n"
    "  je 2f\n"
    "1:\n"
    "  lock cmpxchgl %ecx, (%rdx)\n"
    "2:\n"
    "  nop; nop; nop; nop; nop\n"
    "  jne 1b\n"
    "  ret\n"
    ".globl shape_ret\n"
    "shape_ret:\n"
    "  xchgl %eax, (%rdi)\n"
    "  ret\n"
    "  int3; int3; int3; int3; int3\n"
    ".globl shape_regs\n"
    "shape_regs:\n"
    "  xchgl %eax, %ebx\n"
    "  nop; nop; nop; nop; nop\n"
    "  ret\n");

int main(void) { return 0; }
