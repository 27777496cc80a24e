module github.com/hmssip/interconnect-go/conformance

go 1.24.0

replace github.com/hmssip/interconnect-go => ../
