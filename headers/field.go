package headers

import "github.com/hmssip/interconnect-go/internal/ascii"

// Field is one header: a name and its unescaped value.
type Field struct {
	Name  string
	Value string
}

// List is an ordered list of headers, in the order they appear in an address.
type List []Field

// Get returns the value of the first header whose name equals name ignoring
// ASCII case, as SIP compares header names, and whether there is one.
func (l List) Get(name string) (string, bool) {
	for _, f := range l {
		if ascii.EqualFold(f.Name, name) {
			return f.Value, true
		}
	}
	return "", false
}

// ValidateCustom checks every field as an application's own header: each name
// passes [ValidateCustomName], each value passes [ValidateValue], and no name
// appears twice ignoring case. It returns the first problem as an [*Error].
func (l List) ValidateCustom() error {
	for i, f := range l {
		if err := ValidateCustomName(f.Name); err != nil {
			return err
		}
		if err := ValidateValue(f.Name, f.Value); err != nil {
			return err
		}
		for _, g := range l[:i] {
			if ascii.EqualFold(f.Name, g.Name) {
				return nameError(f.Name, -1, -1, ErrDuplicate)
			}
		}
	}
	return nil
}
