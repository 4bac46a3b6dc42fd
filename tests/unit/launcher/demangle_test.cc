// demangle_test.cc — symbol names as programmers wrote them: C++, Rust v0, Rust legacy.
// The expected names were checked against binutils' c++filt (which prints v0 crate hashes
// and const types in addition) on every symbol of a rustc 1.95 binary.
#include <gtest/gtest.h>

#include <string>

#include "weft/launcher.h"

namespace weft::launcher {
namespace {

TEST(Demangle, Cxx) {
  EXPECT_EQ(Demangle("_ZN3foo3barEi"), "foo::bar(int)");
  EXPECT_EQ(Demangle("_ZNSt5mutex4lockEv"), "std::mutex::lock()");
  EXPECT_EQ(Demangle("_ZN12_GLOBAL__N_16TellerEi"), "(anonymous namespace)::Teller(int)");
  // Not mangled, or not decodable: unchanged.
  EXPECT_EQ(Demangle("main"), "main");
  EXPECT_EQ(Demangle("_Z"), "_Z");
  EXPECT_EQ(Demangle("_Zjunk"), "_Zjunk");
  EXPECT_EQ(Demangle(""), "");
}

TEST(Demangle, RustLegacyDropsTheHash) {
  EXPECT_EQ(Demangle("_ZN2v04main17h15f3dc4acb741d49E"), "v0::main");
  EXPECT_EQ(Demangle("_ZN2v012Foo$LT$T$GT$4show17hfc95ccad58b7448cE"), "v0::Foo<T>::show");
  // "$u7b$" escapes, a compiler suffix after the "E".
  EXPECT_EQ(Demangle("_ZN3std2rt10lang_start28_$u7b$$u7b$closure$u7d$$u7d$17hb2054af6b5507684E"
                     ".llvm.4093360573958580889"),
            "std::rt::lang_start::{{closure}}");
  // ".." inside a component is a path separator; "$C$", "$RF$", "$u20$".
  EXPECT_EQ(Demangle("_ZN4core3ptr181drop_in_place$LT$hashbrown..scopeguard..ScopeGuard$LT$$RF$"
                     "mut$u20$hashbrown..raw..RawTableInner$C$hashbrown..raw..RawTableInner.."
                     "rehash_in_place..$u7b$$u7b$closure$u7d$$u7d$$GT$$GT$17h615a33416507aea3E"),
            "core::ptr::drop_in_place<hashbrown::scopeguard::ScopeGuard<&mut "
            "hashbrown::raw::RawTableInner,hashbrown::raw::RawTableInner::rehash_in_place::{{"
            "closure}}>>");
  EXPECT_EQ(Demangle("_ZN4core3ops8function6FnOnce40call_once$u7b$$u7b$vtable.shim$u7d$$u7d$"
                     "17h7242941fbf3666b7E.llvm.4093360573958580889"),
            "core::ops::function::FnOnce::call_once{{vtable.shim}}");
  // Without the hash it is a C++ name.
  EXPECT_EQ(Demangle("_ZN3foo3barE"), "foo::bar");
}

TEST(Demangle, RustV0) {
  EXPECT_EQ(Demangle("_RNvCs4eYjyvNHrqb_3uni4main"), "uni::main");
  EXPECT_EQ(Demangle("_RNvNtCsgEmfK2I1SDS_4core9panicking14panic_nounwind"),
            "core::panicking::panic_nounwind");
  // Closures, inherent and trait impls, generic arguments, back-references.
  EXPECT_EQ(Demangle("_RNCNvNtNtCsjrHSEGnQ3l9_3std3sys9backtrace10__print_fmt0B7_"),
            "std::sys::backtrace::_print_fmt::{closure#0}");
  EXPECT_EQ(Demangle("_RNvMCsfq2Zq5gqAK1_2v0INtB2_3FoojE4showB2_"), "<v0::Foo<usize>>::show");
  EXPECT_EQ(Demangle("_RNvXs_NtCsgEmfK2I1SDS_4core3anyDNtB4_3AnyEL_NtNtB6_3fmt5Debug3fmt"),
            "<dyn core::any::Any as core::fmt::Debug>::fmt");
  EXPECT_EQ(Demangle("_RNvYINtNvNtCsjrHSEGnQ3l9_3std2io17default_write_fmt7AdapterINtNtB7_6cursor"
                     "6CursorQShEENtNtCsgEmfK2I1SDS_4core3fmt5Write9write_fmtB9_"),
            "<std::io::default_write_fmt::Adapter<std::io::cursor::Cursor<&mut [u8]>> as "
            "core::fmt::Write>::write_fmt");
  EXPECT_EQ(Demangle("_RINvCsfq2Zq5gqAK1_2v07genericKj3_EB2_"), "v0::generic::<3>");
  // dyn Trait with an associated type and bound lifetimes.
  EXPECT_EQ(Demangle("_RINvNtCsgEmfK2I1SDS_4core3ptr13drop_in_placeINtNtCslNYArtu3iFV_5alloc5boxed"
                     "3BoxDG0_INtNtNtB4_3ops8function2FnTRL1_INtNtCsjrHSEGnQ3l9_3std5panic13Panic"
                     "HookInfoL0_EEEp6OutputuNtNtB4_6marker4SyncNtB2N_4SendEL_EEB1T_"),
            "core::ptr::drop_in_place::<alloc::boxed::Box<dyn for<'a, 'b> "
            "core::ops::function::Fn<(&'a std::panic::PanicHookInfo<'b>,), Output = ()> + "
            "core::marker::Sync + core::marker::Send>>");
  // Punycode identifiers.
  EXPECT_EQ(Demangle("_RNvCs4eYjyvNHrqb_3uniu19ncode_gre_n1a2oqd2c"), "uni::ünïcode_größe");
  // A vendor suffix is dropped.
  EXPECT_EQ(Demangle("_RNvCs4eYjyvNHrqb_3uni4main.llvm.123"), "uni::main");
}

TEST(Demangle, BrokenRustV0IsLeftAlone) {
  for (const char* bad : {"_R", "_RX", "_RNvC", "_RNvCs4eYjyvNHrqb_3uni99main",
                          "_RNvB0_4main",         // a back-reference that does not go back
                          "_RINvC3uniKe0_E",      // a const of type str: not decoded
                          "_RNvCs_3uni4mainZZZ",  // trailing garbage
                          "_R1NvC3uni4main"}) {   // a version other than 0
    EXPECT_EQ(Demangle(bad), bad) << bad;
  }
  // Deep nesting ends (the depth bound), it does not overflow the stack.
  std::string nested = "_R";
  for (int i = 0; i < 5000; ++i) nested += "INv";
  EXPECT_EQ(Demangle(nested), nested);
}

}  // namespace
}  // namespace weft::launcher
