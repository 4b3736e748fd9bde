package query

import (
	"time"

	"github.com/keyward/keyward/verify/wire"
)

// xmlWriter appends XML to a byte slice. Responses are small and their
// shapes fixed, so writing them directly is several times cheaper than
// encoding/xml's reflection, and it keeps element order exactly as the
// service model lists members.
type xmlWriter struct {
	b    []byte
	body []byte // spare buffer for the request body; see readBody
}

// members writes items as the members of the list element tag, each by
// member.
func members[T any](w *xmlWriter, tag string, items []T, member func(T)) {
	w.open(tag)
	for _, it := range items {
		w.open("member")
		member(it)
		w.close("member")
	}
	w.close(tag)
}

// list writes members, then IsTruncated and Marker: the shape of every IAM
// list response.
func list[T any](w *xmlWriter, tag string, items []T, next string, member func(T)) {
	members(w, tag, items, member)
	w.marker(next)
}

// marker writes IsTruncated and, when there is a next page, Marker.
func (w *xmlWriter) marker(next string) {
	w.bool("IsTruncated", next != "")
	if next != "" {
		w.elem("Marker", next)
	}
}

func (w *xmlWriter) open(tag string) {
	w.b = append(w.b, '<')
	w.b = append(w.b, tag...)
	w.b = append(w.b, '>')
}

func (w *xmlWriter) close(tag string) {
	w.b = append(w.b, '<', '/')
	w.b = append(w.b, tag...)
	w.b = append(w.b, '>')
}

// elem writes <tag>text</tag> with text escaped.
func (w *xmlWriter) elem(tag, text string) {
	w.open(tag)
	w.text(text)
	w.close(tag)
}

func (w *xmlWriter) time(tag string, t time.Time) {
	w.open(tag)
	w.b = t.UTC().AppendFormat(w.b, "2006-01-02T15:04:05Z")
	w.close(tag)
}

// entity writes what every IAM entity with a path opens with: its path,
// name, ID, ARN and creation date; kind names the name's and the ID's
// elements ("User" writes UserName and UserId).
func (w *xmlWriter) entity(kind, path, name, id, arn string, created time.Time) {
	w.elem("Path", path)
	w.elem(kind+"Name", name)
	w.elem(kind+"Id", id)
	w.elem("Arn", arn)
	w.time("CreateDate", created)
}

func (w *xmlWriter) bool(tag string, v bool) {
	if v {
		w.elem(tag, "true")
	} else {
		w.elem(tag, "false")
	}
}

func (w *xmlWriter) text(s string) { w.b = wire.AppendText(w.b, s) }
