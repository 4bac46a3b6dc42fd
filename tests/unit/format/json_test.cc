// json_test.cc — weft/json.h: structure, escaping, numbers, indentation.
#include "weft/json.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace weft::json {
namespace {

std::string Quoted(std::string_view text) {
  std::string out;
  AppendQuoted(&out, text);
  return out;
}

TEST(JsonWriter, WritesNestedObjectsAndArraysCompactly) {
  Writer w;
  w.BeginObject()
      .Field("name", "weft")
      .Key("list")
      .BeginArray()
      .Int(1)
      .Int(-2)
      .BeginObject()
      .EndObject()
      .BeginArray()
      .EndArray()
      .EndArray()
      .Field("ok", true)
      .Field("no", false)
      .NullField("nothing")
      .EndObject();
  ASSERT_TRUE(w.complete());
  EXPECT_EQ(w.TakeString(),
            R"({"name":"weft","list":[1,-2,{},[]],"ok":true,"no":false,"nothing":null})");
}

TEST(JsonWriter, IndentsOneMemberPerLine) {
  Writer w(2);
  w.BeginObject().Field("a", 1).Key("b").BeginArray().Int(2).Int(3).EndArray();
  w.Key("c").BeginObject().EndObject().EndObject();
  EXPECT_EQ(w.TakeString(),
            "{\n"
            "  \"a\": 1,\n"
            "  \"b\": [\n"
            "    2,\n"
            "    3\n"
            "  ],\n"
            "  \"c\": {}\n"
            "}\n");
}

TEST(JsonWriter, ValuePicksTheJsonTypeFromTheCppType) {
  Writer w;
  std::string s = "str";
  w.BeginArray()
      .Value(true)
      .Value(int32_t{-7})
      .Value(uint32_t{7})
      .Value(0.5)
      .Value("lit")
      .Value(s)
      .Value(std::string_view("view"))
      .EndArray();
  EXPECT_EQ(w.TakeString(), R"([true,-7,7,0.5,"lit","str","view"])");
}

TEST(JsonWriter, WritesTheFullRangeOfIntegers) {
  Writer w;
  w.BeginArray()
      .Int(std::numeric_limits<int64_t>::min())
      .Int(std::numeric_limits<int64_t>::max())
      .Uint(std::numeric_limits<uint64_t>::max())
      .EndArray();
  EXPECT_EQ(w.TakeString(), "[-9223372036854775808,9223372036854775807,18446744073709551615]");
}

TEST(JsonWriter, WritesDoublesShortestAndNonFiniteAsNull) {
  Writer w;
  w.BeginArray()
      .Double(0.1)
      .Double(5)
      .Double(-2.5e-7)
      .Double(1e300)
      .Double(std::numeric_limits<double>::quiet_NaN())
      .Double(std::numeric_limits<double>::infinity())
      .EndArray();
  EXPECT_EQ(w.TakeString(), "[0.1,5,-2.5e-07,1e+300,null,null]");
}

TEST(JsonEscaping, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(Quoted("plain"), "\"plain\"");
  EXPECT_EQ(Quoted(""), "\"\"");
  EXPECT_EQ(Quoted("a\"b\\c/d"), R"("a\"b\\c/d")");
  EXPECT_EQ(Quoted("\n\r\t\b\f"), R"("\n\r\t\b\f")");
  EXPECT_EQ(Quoted(std::string("\x01\x1f\x7f", 3)), R"("\u0001\u001f\u007f")");
  EXPECT_EQ(Quoted(std::string("nul\0byte", 8)), R"("nul\u0000byte")");
}

TEST(JsonEscaping, CopiesValidUtf8) {
  EXPECT_EQ(Quoted("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\xa7\xb5"),
            "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\xa7\xb5\"");
}

TEST(JsonEscaping, ReplacesInvalidUtf8) {
  EXPECT_EQ(Quoted("\xff"), R"("\ufffd")");                                // never valid
  EXPECT_EQ(Quoted("a\xc3"), R"("a\ufffd")");                              // cut short
  EXPECT_EQ(Quoted("\xc3(x"), R"("\ufffd(x")");                            // bad continuation
  EXPECT_EQ(Quoted("\xc0\xaf"), R"("\ufffd\ufffd")");                      // overlong '/'
  EXPECT_EQ(Quoted("\xed\xa0\x80"), R"("\ufffd\ufffd\ufffd")");            // surrogate
  EXPECT_EQ(Quoted("\xf4\x90\x80\x80"), R"("\ufffd\ufffd\ufffd\ufffd")");  // > U+10FFFF
}

TEST(JsonEscaping, EscapesJavaScriptLineSeparators) {
  EXPECT_EQ(Quoted("\xe2\x80\xa8\xe2\x80\xa9"), R"("\u2028\u2029")");
}

TEST(JsonEscaping, EscapesKeysToo) {
  Writer w;
  w.BeginObject().Field("k\"ey", 1).EndObject();
  EXPECT_EQ(w.TakeString(), R"({"k\"ey":1})");
}

TEST(JsonWriterDeathTest, RejectsAValueWithoutAKey) {
  EXPECT_DEATH(
      {
        Writer w;
        w.BeginObject().Int(1);
      },
      "check failed");
}

TEST(JsonWriterDeathTest, RejectsUnbalancedEnds) {
  EXPECT_DEATH(
      {
        Writer w;
        w.BeginArray().EndObject();
      },
      "check failed");
}

}  // namespace
}  // namespace weft::json
