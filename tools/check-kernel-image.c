/*
 * Host tool: check that the kernel ELF suits a Multiboot v1 loader that uses
 * the header's address fields (QEMU -kernel): every PT_LOAD's file offset is
 * its physical address minus the first one's, and no segment but the 32-bit
 * boot code (never mapped after boot) is both writable and executable.
 * usage: check-kernel-image kernel.elf
 */
#include <elf.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	FILE *f = argc == 2 ? fopen(argv[1], "rb") : NULL;
	Elf64_Ehdr eh;
	int bad = 0, n = 0;
	Elf64_Off off0 = 0;
	Elf64_Addr pa0 = 0;

	if (!f || fread(&eh, sizeof(eh), 1, f) != 1 || memcmp(eh.e_ident, ELFMAG, SELFMAG)) {
		fprintf(stderr, "check-kernel-image: cannot read an ELF from %s\n", argc == 2 ? argv[1] : "(none)");
		return 2;
	}
	for (int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		if (fseek(f, (long)(eh.e_phoff + (Elf64_Off)i * eh.e_phentsize), SEEK_SET) || fread(&ph, sizeof(ph), 1, f) != 1)
			return fprintf(stderr, "check-kernel-image: short program header table\n"), 2;
		if (ph.p_type != PT_LOAD)
			continue;
		if (n == 0)
			off0 = ph.p_offset, pa0 = ph.p_paddr;
		if (ph.p_offset - off0 != ph.p_paddr - pa0) {
			fprintf(stderr, "check-kernel-image: segment %d: file offset and physical address disagree\n", n);
			bad = 1;
		}
		if (n > 0 && (ph.p_flags & PF_W) && (ph.p_flags & PF_X)) {
			fprintf(stderr, "check-kernel-image: segment %d is writable and executable\n", n);
			bad = 1;
		}
		n++;
	}
	if (n != 4) {
		fprintf(stderr, "check-kernel-image: expected 4 loadable segments, found %d\n", n);
		bad = 1;
	}
	return bad;
}
