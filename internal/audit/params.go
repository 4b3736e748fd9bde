package audit

// MaxParams bounds the bytes of the parameters one event records,
// each clipped already: a caller chooses them (an unsigned one too) and,
// by the key ID or the role it names, the trail they go to, so their
// number must not make an event as large as a request's body. The
// parameters past it are left out.
const MaxParams = 32 << 10

// ParamBudget counts an event's parameters against MaxParams; its
// zero value has the whole budget.
type ParamBudget struct{ used int }

// Take counts the strings of one parameter (its name and its value, or a
// list's element) and reports whether they fit; once one does not, none
// does.
func (b *ParamBudget) Take(s ...string) bool {
	for _, x := range s {
		b.used += len(x)
	}
	return b.used <= MaxParams
}
