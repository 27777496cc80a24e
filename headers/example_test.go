package headers_test

import (
	"errors"
	"fmt"

	"github.com/hmssip/interconnect-go/headers"
)

func ExampleEscape() {
	fmt.Println(headers.Escape("John Doe"))
	fmt.Println(headers.Escape("Tom&Jerry=1+1?%"))
	fmt.Println(headers.Escape("José Müller"))
	// Output:
	// John%20Doe
	// Tom%26Jerry%3D1%2B1%3F%25
	// Jos%C3%A9%20M%C3%BCller
}

func ExampleUnescape() {
	v, err := headers.Unescape("John%20Doe+Jr")
	fmt.Println(v, err)
	_, err = headers.Unescape("50%")
	fmt.Println(err)
	// Output:
	// John Doe+Jr <nil>
	// headers: invalid escaping at byte 2
}

func ExampleValidateValue() {
	err := headers.ValidateValue(headers.DisplayName, "John\r\nVia: evil")
	fmt.Println(err)
	fmt.Println(errors.Is(err, headers.ErrControl))
	// Output:
	// headers: value of X-100ms-Display-Name: control character U+000D at byte 4
	// true
}

func ExampleValidateCustomName() {
	fmt.Println(headers.ValidateCustomName("X-Tenant"))
	fmt.Println(headers.ValidateCustomName("X-Twilio-Foo"))
	// Output:
	// <nil>
	// headers: header name "X-Twilio-Foo": header names starting with "X-Twilio" are reserved by Twilio
}

func ExampleList_Get() {
	l := headers.List{{Name: "X-Tenant", Value: "acme"}}
	v, ok := l.Get("x-tenant")
	fmt.Println(v, ok)
	// Output: acme true
}

func ExampleList_ValidateCustom() {
	l := headers.List{{Name: "X-Tenant", Value: "acme"}, {Name: "x-tenant", Value: "other"}}
	fmt.Println(l.ValidateCustom())
	// Output: headers: header name "x-tenant": header given more than once (names are case-insensitive)
}
