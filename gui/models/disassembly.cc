// disassembly.cc — ELF program headers by hand (no libelf needed for this), Capstone for x86-64.
#include "disassembly.h"

#include <capstone/capstone.h>
#include <elf.h>

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>

namespace weft::gui {
namespace {

std::string Hex(uint64_t value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "0x%" PRIx64, value);
  return buffer;
}

// Bytes [offset, offset + size) of `path`, fewer at its end.
Result<std::string> ReadBytes(const std::string& path, uint64_t offset, uint64_t size) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return MakeError("cannot open module '" + path + "' to disassemble (is it still on disk?)");
  in.seekg(static_cast<std::streamoff>(offset));
  std::string out(size, '\0');
  in.read(out.data(), static_cast<std::streamsize>(size));
  out.resize(static_cast<size_t>(in.gcount()));
  return out;
}

struct CapstoneHandle {
  csh handle = 0;
  ~CapstoneHandle() {
    if (handle != 0) cs_close(&handle);
  }
};

// Disassembles `code` (at runtime address `address`) into `out`, at most `max` instructions;
// returns the number of bytes consumed.
size_t Decode(csh handle, const std::string& code, uint64_t address, size_t max,
              std::vector<Instruction>* out) {
  cs_insn* insn = nullptr;
  size_t n = cs_disasm(handle, reinterpret_cast<const uint8_t*>(code.data()), code.size(), address,
                       max, &insn);
  size_t consumed = 0;
  for (size_t i = 0; i < n; ++i) {
    Instruction ins;
    ins.address = insn[i].address;
    for (uint16_t b = 0; b < insn[i].size; ++b) {
      char hex[4];
      std::snprintf(hex, sizeof(hex), b == 0 ? "%02x" : " %02x", insn[i].bytes[b]);
      ins.bytes += hex;
    }
    ins.text = insn[i].mnemonic;
    if (insn[i].op_str[0] != '\0') ins.text += std::string(" ") + insn[i].op_str;
    consumed += insn[i].size;
    if (out) out->push_back(std::move(ins));
  }
  if (insn) cs_free(insn, n);
  return consumed;
}

}  // namespace

Result<ModuleLocation> LocateAddress(const std::vector<format::Module>& modules, uint64_t address) {
  const format::Module* best = nullptr;
  for (const format::Module& m : modules) {
    if (address >= m.base && (m.size == 0 || address - m.base < m.size) &&
        (!best || m.base > best->base)) {
      best = &m;
    }
  }
  if (!best) {
    return MakeError("address " + Hex(address) +
                     " is in none of the trace's modules (was it recorded by an older weft?)");
  }
  const std::string& path = best->path;
  Result<std::string> header = ReadBytes(path, 0, sizeof(Elf64_Ehdr));
  if (!header.ok()) return header.error();
  if (header->size() < sizeof(Elf64_Ehdr) || std::memcmp(header->data(), ELFMAG, SELFMAG) != 0 ||
      (*header)[EI_CLASS] != ELFCLASS64) {
    return MakeError("cannot disassemble in '" + path + "': not a 64-bit ELF file");
  }
  Elf64_Ehdr eh;
  std::memcpy(&eh, header->data(), sizeof(eh));
  if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum > 4096) {
    return MakeError("cannot disassemble in '" + path + "': bad ELF program headers");
  }
  Result<std::string> table =
      ReadBytes(path, eh.e_phoff, static_cast<uint64_t>(eh.e_phnum) * sizeof(Elf64_Phdr));
  if (!table.ok()) return table.error();
  // A shared object or PIE is loaded at base + vaddr; a fixed executable at vaddr (base 0
  // or its first segment's address, depending on the recorder).
  for (uint64_t bias : {best->base, uint64_t{0}}) {
    uint64_t vaddr = address - bias;
    for (size_t i = 0; i + 1 <= table->size() / sizeof(Elf64_Phdr); ++i) {
      Elf64_Phdr ph;
      std::memcpy(&ph, table->data() + i * sizeof(Elf64_Phdr), sizeof(ph));
      if (ph.p_type != PT_LOAD || vaddr < ph.p_vaddr || vaddr - ph.p_vaddr >= ph.p_filesz) {
        continue;
      }
      ModuleLocation loc;
      loc.path = path;
      loc.vaddr = vaddr;
      loc.file_offset = ph.p_offset + (vaddr - ph.p_vaddr);
      loc.segment_offset = ph.p_offset;
      loc.segment_size = ph.p_filesz;
      loc.segment_vaddr = ph.p_vaddr;
      return loc;
    }
    if (eh.e_type != ET_EXEC) break;
  }
  return MakeError("address " + Hex(address) + " is not in a loaded segment of '" + path +
                   "' (was the file rebuilt since the recording?)");
}

Result<Disassembly> DisassembleAround(const std::vector<format::Module>& modules, uint64_t address,
                                      bool return_address, int before, int after) {
  Result<ModuleLocation> loc = LocateAddress(modules, address);
  if (!loc.ok()) return loc.error();
  constexpr uint64_t kBackBytes = 96;  // enough for `before` instructions of ~4-8 bytes
  constexpr uint64_t kForwardBytes = 15 * 16;
  uint64_t back = std::min(kBackBytes, loc->file_offset - loc->segment_offset);
  uint64_t forward =
      std::min(kForwardBytes, loc->segment_offset + loc->segment_size - loc->file_offset);
  Result<std::string> code = ReadBytes(loc->path, loc->file_offset - back, back + forward);
  if (!code.ok()) return code.error();
  if (code->size() < back) {
    return MakeError("cannot read the code at " + Hex(address) + " in '" + loc->path + "'");
  }
  CapstoneHandle cs;
  if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs.handle) != CS_ERR_OK) {
    return MakeError("cannot start the Capstone disassembler (x86-64)");
  }
  Disassembly out;
  out.module = loc->path;
  // Backwards: the earliest start from which decoding lands exactly on `address`.
  std::vector<Instruction> head;
  for (uint64_t skip = 0; skip < back; ++skip) {
    std::string bytes = code->substr(skip, back - skip);
    std::vector<Instruction> candidate;
    if (Decode(cs.handle, bytes, address - (back - skip), 0, &candidate) == bytes.size()) {
      head = std::move(candidate);
      break;
    }
  }
  if (head.size() > static_cast<size_t>(before)) {
    head.erase(head.begin(), head.end() - before);
  }
  std::vector<Instruction> tail;
  Decode(cs.handle, code->substr(back), address, static_cast<size_t>(after), &tail);
  if (return_address && !head.empty()) {
    head.back().highlighted = true;
  } else if (!tail.empty()) {
    tail.front().highlighted = true;
  }
  out.instructions = std::move(head);
  out.instructions.insert(out.instructions.end(), tail.begin(), tail.end());
  if (out.instructions.empty()) {
    return MakeError("no instruction decodes at " + Hex(address) + " in '" + loc->path + "'");
  }
  return out;
}

}  // namespace weft::gui
