// Fuzzes what vigil reads from AWS and from the user's AWS files: XML responses (ParseXml and
// XmlToJson), error responses of each protocol (DecodeError), JSON bodies (Json::Parse, then
// printed and parsed again to the same value), and INI config files (ParseIni). The first byte
// picks the surface. Any input gives a value or an error with a message; never a crash or a hang.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "aws/client.h"
#include "aws/config.h"
#include "aws/xml.h"
#include "base/json_value.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0: {
      vigil::StatusOr<vigil::aws::XmlNode> x = vigil::aws::ParseXml(text);
      if (x.ok()) {
        (void)vigil::aws::XmlToJson(*x).Dump();
      } else if (x.status().message().find("at byte") == std::string::npos) {
        std::abort();  // every XML error says where
      }
      break;
    }
    case 1: {
      for (const char* name : {"logs", "monitoring", "ec2"}) {
        vigil::aws::HttpResponse r;
        r.status = 400 + static_cast<long>(size % 200);  // NOLINT(runtime/int)
        r.headers = {{"Content-Type", name[0] == 'l' ? "application/x-amz-json-1.1" : "text/xml"}};
        r.body = std::string(text);
        vigil::aws::AwsError e = vigil::aws::DecodeError(*vigil::aws::FindService(name), r);
        if (e.code.empty() && e.message.empty()) std::abort();  // an error always says something
      }
      break;
    }
    case 2: {
      vigil::StatusOr<vigil::Json> j = vigil::Json::Parse(text, "fuzz");
      if (j.ok()) {
        vigil::StatusOr<vigil::Json> again = vigil::Json::Parse(j->Dump(), "fuzz again");
        if (!again.ok() || !(*again == *j)) std::abort();  // printing round-trips
      }
      break;
    }
    case 3: {
      vigil::StatusOr<vigil::aws::IniFile> f = vigil::aws::ParseIni(text, "config");
      if (!f.ok() && f.status().message().rfind("config:", 0) != 0) std::abort();
      break;
    }
  }
  return 0;
}
