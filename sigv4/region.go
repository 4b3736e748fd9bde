package sigv4

// ValidRegionName reports whether s has the form of an AWS region name: a
// two-letter area, one to three words, and a number, as in us-east-1,
// us-gov-west-1 or eu-isoe-west-1. Only such names are accepted in a
// credential scope and recorded as where a key was used, so that no
// caller-chosen text reaches reports and spreadsheets.
func ValidRegionName(s string) bool {
	if len(s) < 6 || len(s) > 32 {
		return false
	}
	lower := func(c byte) bool { return 'a' <= c && c <= 'z' }
	digit := func(c byte) bool { return '0' <= c && c <= '9' }
	if !lower(s[0]) || !lower(s[1]) || s[2] != '-' {
		return false
	}
	words, i := 0, 3
	for i < len(s) && lower(s[i]) {
		j := i
		for j < len(s) && lower(s[j]) {
			j++
		}
		if j == len(s) || s[j] != '-' {
			return false
		}
		words++
		i = j + 1
	}
	if words < 1 || words > 3 || i == len(s) || len(s)-i > 2 {
		return false
	}
	for ; i < len(s); i++ {
		if !digit(s[i]) {
			return false
		}
	}
	return true
}
