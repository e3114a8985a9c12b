# gdb setup for `make gdb` (QEMU waits on localhost:1234).
# Run `gdb -x .gdbinit` from the project root in another terminal.
set architecture i386:x86-64
file build/exo.elf
target remote localhost:1234
# The kernel enters at its 32-bit Multiboot entry; stop at kmain in the higher half.
hbreak kmain
echo exo: connected; 'continue' runs to kmain\n
