// A strict reader for the XML that AWS query and EC2 services answer with: elements, text,
// character references and CDATA. Attributes and namespaces are read and ignored (element names
// lose their prefix). Anything else — a truncated document, mismatched tags, an HTML page — is an
// error with the byte offset, so a broken response is never read as an empty one.
#ifndef VIGIL_AWS_XML_H_
#define VIGIL_AWS_XML_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/json_value.h"
#include "base/status.h"

namespace vigil::aws {

struct XmlNode {
  std::string name;  // local name
  std::string text;  // the concatenated character data directly inside this element
  std::vector<XmlNode> children;

  // The first child named `name`, or nullptr.
  const XmlNode* Child(std::string_view name) const;
  // The text of the first child named `name`, or "" when there is none.
  std::string ChildText(std::string_view name) const;
  // Follows a path of child names, e.g. {"Error", "Code"}.
  const XmlNode* Path(std::initializer_list<std::string_view> names) const;
};

// Parses a whole document (one root element). Nesting deeper than 256 levels is an error.
StatusOr<XmlNode> ParseXml(std::string_view text);

// Converts an AWS response element to JSON with the shapes of the AWS models: an element whose
// children are all <member> or <item> becomes an array; all <entry> with <key>/<value> an
// object (a map); other elements with children an object keyed by child name; a leaf a
// string. An empty leaf is "" — the caller knows from the model which members are lists.
Json XmlToJson(const XmlNode& node);

}  // namespace vigil::aws

#endif  // VIGIL_AWS_XML_H_
