#include "common/ip.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nsfence {
namespace {

using ::testing::HasSubstr;

TEST(IpAddressTest, ParsesAndPrintsBothFamilies) {
  auto v4 = IpAddress::Parse("10.200.1.2");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->family(), IpFamily::kV4);
  EXPECT_EQ(v4->ToString(), "10.200.1.2");
  EXPECT_EQ(v4->WithPort(80), "10.200.1.2:80");
  auto v6 = IpAddress::Parse("fd00:200::1:2");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->family(), IpFamily::kV6);
  EXPECT_EQ(v6->WithPort(443), "[fd00:200::1:2]:443");
  EXPECT_THAT(IpAddress::Parse("10.0.0.256").status().message(), HasSubstr("not an IP address"));
}

TEST(CidrTest, ParsesAndRejectsHostBits) {
  auto c = Cidr::Parse("10.0.0.0/8");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->prefix_len(), 8);
  EXPECT_THAT(Cidr::Parse("10.0.0.1/8").status().message(), HasSubstr("did you mean 10.0.0.0/8?"));
  EXPECT_THAT(Cidr::Parse("10.0.0.0/33").status().message(), HasSubstr("expected 0 to 32"));
  EXPECT_THAT(Cidr::Parse("10.0.0.0").status().message(), HasSubstr("expected address/prefix"));
  EXPECT_TRUE(Cidr::Parse("::/0").ok());
  EXPECT_THAT(Cidr::Parse("fd00::/129").status().message(), HasSubstr("expected 0 to 128"));
}

TEST(CidrTest, Containment) {
  const Cidr ten = *Cidr::Parse("10.0.0.0/8");
  EXPECT_TRUE(ten.Contains(*IpAddress::Parse("10.255.0.1")));
  EXPECT_FALSE(ten.Contains(*IpAddress::Parse("11.0.0.1")));
  EXPECT_FALSE(ten.Contains(*IpAddress::Parse("::ffff:10.0.0.1"))) << "families never mix";
  EXPECT_TRUE(ten.Contains(*Cidr::Parse("10.1.0.0/16")));
  EXPECT_FALSE(Cidr::Parse("10.1.0.0/16")->Contains(ten));
  EXPECT_TRUE(Cidr::Parse("0.0.0.0/0")->Contains(ten));
  EXPECT_FALSE(Cidr::Parse("::/0")->Contains(ten));
  EXPECT_EQ(Cidr::Host(*IpAddress::Parse("fd00::1")).ToString(), "fd00::1/128");
}

}  // namespace
}  // namespace nsfence
