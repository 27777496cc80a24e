package main

import (
	"context"
	"flag"

	"github.com/hmssip/interconnect-go/sipout"
)

const trunksUsage = `usage: sipconnect trunks <subcommand> [flags]

subcommands:
  create   create a SIP outbound trunk and print its id
  update   replace the address, number and credentials of a trunk

The trunk's SIP credentials come from SIP_TRUNK_USERNAME and SIP_TRUNK_PASSWORD.
Run 'sipconnect trunks <subcommand> -h' for the flags of a subcommand.`

// trunks creates or updates a SIP outbound trunk. The password comes from
// the environment and is never printed.
func (e env) trunks(ctx context.Context, args []string) error {
	sub, args, err := e.group("trunks", trunksUsage, []string{"create", "update"}, args)
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("trunks "+sub, flag.ContinueOnError)
	var id string
	var t sipout.Trunk
	var asJSON bool
	synopsis := "trunks create --address HOST[:PORT] --from NUMBER [--json]"
	if sub == "update" {
		synopsis = "trunks update --trunk-id ID --address HOST[:PORT] --from NUMBER [--json]"
		fs.StringVar(&id, "trunk-id", "", "`id` of the trunk (required)")
	}
	fs.StringVar(&t.Address, "address", "", "the provider's SIP `host[:port]`, without a scheme (required)")
	fs.StringVar(&t.From, "from", "", "the `number` bought from the provider, in E.164, shown to the callee (required)")
	fs.BoolVar(&asJSON, "json", false, `print {"id":...}`)
	if _, err := e.parse(fs, synopsis, args,
		"Environment: SIP_TRUNK_USERNAME and SIP_TRUNK_PASSWORD, the SIP credentials the provider gave (both, or neither).\n"+demoNote); err != nil {
		return err
	}
	t.Username, t.Password = e.getenv("SIP_TRUNK_USERNAME"), e.getenv("SIP_TRUNK_PASSWORD")

	s, ctx, done, err := e.timedSession(ctx, false)
	if err != nil {
		return err
	}
	defer done()
	client := sipout.NewClient(s.api)
	if sub == "create" {
		id, err = client.CreateTrunk(ctx, t)
	} else {
		id, err = client.UpdateTrunk(ctx, id, t)
	}
	if err != nil {
		return err
	}
	return e.printResult(asJSON, struct {
		ID string `json:"id"`
	}{id}, id)
}
