package saml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/beevik/etree"
)

// Namespaces of the elements this package reads. Elements are matched by
// namespace URI and local name, never by prefix.
const (
	nsProtocol  = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
	nsMetadata  = "urn:oasis:names:tc:SAML:2.0:metadata"
	nsDSig      = "http://www.w3.org/2000/09/xmldsig#"
	nsXMLEnc    = "http://www.w3.org/2001/04/xmlenc#"
)

// limits bound the shape of a document before it becomes a tree.
type limits struct {
	depth, elements, attributes int
}

var (
	// responseLimits fit every response a real identity provider sends
	// (Response, Assertion, AttributeStatement, Attribute, AttributeValue
	// and a signature's KeyInfo are 10 deep; a decoded response of at
	// most 75,000 bytes has far fewer than 1,000 elements unless they
	// are empty), and keep the signature library's own traversal limit
	// of 1,000 elements from being the one that refuses.
	responseLimits = limits{depth: 32, elements: 1000, attributes: 64}
	// metadataLimits are wider: a metadata document is an
	// administrator's input of up to 10,000,000 characters.
	metadataLimits = limits{depth: 64, elements: 200000, attributes: 64}
)

// wellFormed checks data in one streaming pass, before any tree is built:
// UTF-8 without a byte order mark, well-formed, one root element, no DTD or
// other directive (so no entity declarations and nothing to expand, and no
// external entity to fetch), no processing instruction but the XML
// declaration, no duplicated attribute, and within lim.
func wellFormed(data []byte, lim limits) error {
	switch {
	case bytes.HasPrefix(data, []byte("\xef\xbb\xbf")):
		return errors.New("byte order mark")
	case !utf8.Valid(data):
		return errors.New("not UTF-8")
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true // undeclared entities are errors; there is no CharsetReader, so only UTF-8 is read
	depth, elements, roots, first := 0, 0, 0, true
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return errors.New("not well-formed XML")
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
			}
			depth++
			elements++
			switch {
			case roots > 1:
				return errors.New("more than one root element")
			case depth > lim.depth:
				return errors.New("nested too deep")
			case elements > lim.elements:
				return errors.New("too many elements")
			case len(t.Attr) > lim.attributes:
				return errors.New("too many attributes")
			}
			for i := range t.Attr {
				for j := range i {
					if t.Attr[i].Name == t.Attr[j].Name {
						return errors.New("duplicated attribute")
					}
				}
			}
		case xml.EndElement:
			depth--
		case xml.Directive:
			return errors.New("DTD or other directive")
		case xml.ProcInst:
			if t.Target != "xml" || !first {
				return errors.New("processing instruction")
			}
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(t)) > 0 {
				return errors.New("text outside the root element")
			}
		}
		first = false
	}
	if roots != 1 {
		return errors.New("no root element")
	}
	return nil
}

// parse checks data with wellFormed and then builds its tree.
func parse(data []byte, lim limits) (*etree.Element, error) {
	if err := wellFormed(data, lim); err != nil {
		return nil, err
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(data); err != nil {
		return nil, errors.New("not well-formed XML")
	}
	root := doc.Root()
	if root == nil {
		return nil, errors.New("no root element")
	}
	return root, nil
}

// is reports whether el is the element {ns}local.
func is(el *etree.Element, ns, local string) bool {
	return el != nil && el.Tag == local && el.NamespaceURI() == ns
}

// children returns el's child elements {ns}local.
func children(el *etree.Element, ns, local string) []*etree.Element {
	var out []*etree.Element
	for _, c := range el.ChildElements() {
		if is(c, ns, local) {
			out = append(out, c)
		}
	}
	return out
}

// child returns el's only child element {ns}local: nil when there is none,
// and an error when there are several, since SAML allows one and a second
// one is a place for a forgery to hide.
func child(el *etree.Element, ns, local string) (*etree.Element, error) {
	cs := children(el, ns, local)
	switch len(cs) {
	case 0:
		return nil, nil
	case 1:
		return cs[0], nil
	}
	return nil, errors.New("more than one " + local)
}

// descendants returns every element {ns}local in el's subtree, el
// included.
func descendants(el *etree.Element, ns, local string) []*etree.Element {
	var out []*etree.Element
	var walk func(*etree.Element)
	walk = func(e *etree.Element) {
		if is(e, ns, local) {
			out = append(out, e)
		}
		for _, c := range e.ChildElements() {
			walk(c)
		}
	}
	walk(el)
	return out
}

// attr returns el's unqualified attribute key. An attribute of that name in
// a namespace (x:ID) is not it: reading one for the other is how some
// service providers were fooled.
func attr(el *etree.Element, key string) (string, bool) {
	for _, a := range el.Attr {
		if a.Space == "" && a.Key == key {
			return a.Value, true
		}
	}
	return "", false
}

// text returns the whole character content of el, which must have no child
// element, without surrounding white space. Comments and processing
// instructions are skipped and the text on both sides of them joined:
// reading only up to the first comment is how NameID
// "admin@example.com<!---->.evil.com" became admin@example.com in
// service providers that were fooled by it.
func text(el *etree.Element) (string, error) {
	var b strings.Builder
	for _, tok := range el.Child {
		switch t := tok.(type) {
		case *etree.Element:
			return "", errors.New(el.Tag + " has child elements")
		case *etree.CharData:
			b.WriteString(t.Data)
		}
	}
	return strings.TrimSpace(b.String()), nil
}

// parseTime reads an xs:dateTime as SAML writes it.
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, errors.New("not a dateTime")
	}
	return t, nil
}
