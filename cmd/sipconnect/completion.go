package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
)

// completionSynopsis is the synopsis of the completion command.
const completionSynopsis = "completion bash|zsh|fish"

// completionNote ends the usage of the completion command.
const completionNote = `Prints a script that completes the commands, subcommands and flags of sipconnect:
  bash:  source <(sipconnect completion bash)           (or save it in /etc/bash_completion.d/)
  zsh:   source <(sipconnect completion zsh)            (after compinit)
  fish:  sipconnect completion fish > ~/.config/fish/completions/sipconnect.fish`

// completion prints the completion script of a shell.
func (e env) completion(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("completion", flag.ContinueOnError)
	c := &command{fs: fs, synopsis: completionSynopsis, note: completionNote}
	var shell string
	switch {
	case len(args) == 1 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help"):
		fmt.Fprintln(e.stdout, c.usage())
		return errHelp
	case len(args) == 0:
		return c.usagef("completion needs a shell: bash, zsh or fish")
	case len(args) > 1:
		return c.usagef("unexpected argument %q", args[1])
	default:
		shell = args[0]
	}
	tree := commandTree(ctx)
	var script string
	switch shell {
	case "bash":
		script = bashCompletion(tree)
	case "zsh":
		script = zshCompletion(tree)
	case "fish":
		script = fishCompletion(tree)
	default:
		return c.usagef("unknown shell %q (want bash, zsh or fish)%s", shell, didYouMean(shell, []string{"bash", "zsh", "fish"}))
	}
	_, err := io.WriteString(e.stdout, script)
	return err
}

// completed is a command or a subcommand as completion sees it: its
// subcommands, or its flags.
type completed struct {
	name  string
	subs  []completed
	flags []string // --name
}

var (
	subcommandLine = regexp.MustCompile(`(?m)^  ([a-z]+) +\S`)
	flagLine       = regexp.MustCompile(`(?m)^  (--[a-z][a-z0-9-]*)`)
)

// commandTree asks every command for its help, as a user would, and reads
// the subcommands and flags from it, so that completion never falls
// behind the commands.
func commandTree(ctx context.Context) []completed {
	help := func(args ...string) string {
		var out bytes.Buffer
		runWith(ctx, nil, append(args, "-h"), &out, io.Discard, func(string) string { return "" })
		return out.String()
	}
	var tree []completed
	for _, name := range commands {
		c := completed{name: name}
		switch name {
		case "help":
			for _, n := range commands {
				if n != "help" {
					c.subs = append(c.subs, completed{name: n})
				}
			}
		case "completion":
			c.subs = []completed{{name: "bash"}, {name: "zsh"}, {name: "fish"}}
		default:
			h := help(name)
			if strings.Contains(strings.SplitN(h, "\n", 2)[0], "<subcommand>") {
				for _, m := range subcommandLine.FindAllStringSubmatch(h, -1) {
					c.subs = append(c.subs, completed{name: m[1], flags: flagsOf(help(name, m[1]))})
				}
			} else {
				c.flags = flagsOf(h)
			}
		}
		tree = append(tree, c)
	}
	return tree
}

func flagsOf(help string) []string {
	var flags []string
	for _, m := range flagLine.FindAllStringSubmatch(help, -1) {
		if !slices.Contains(flags, m[1]) {
			flags = append(flags, m[1])
		}
	}
	return flags
}

func nameList(cs []completed) []string {
	var n []string
	for _, c := range cs {
		n = append(n, c.name)
	}
	return n
}

func names(cs []completed) string { return strings.Join(nameList(cs), " ") }

// caseSyntax is the syntax of a case-based completion script (bash, zsh).
type caseSyntax struct {
	offer   func(words []string) string // the command that offers words
	atSub   string                      // the test that a subcommand is being completed
	subWord string                      // the subcommand given
}

// caseArms writes one case arm per command, offering its flags or, for a
// command with subcommands, their names and then their flags.
func (sh caseSyntax) caseArms(b *strings.Builder, indent string, tree []completed) {
	for _, c := range tree {
		fmt.Fprintf(b, "%s%s) %s ;;\n", indent, c.name, sh.arm(c))
	}
}

func (sh caseSyntax) arm(c completed) string {
	if c.subs == nil {
		return sh.offer(c.flags)
	}
	var in strings.Builder
	fmt.Fprintf(&in, "if %s; then %s; else case %s in ", sh.atSub, sh.offer(nameList(c.subs)), sh.subWord)
	for _, s := range c.subs {
		fmt.Fprintf(&in, "%s) %s ;; ", s.name, sh.offer(s.flags))
	}
	in.WriteString("esac; fi")
	return in.String()
}

func bashCompletion(tree []completed) string {
	bash := caseSyntax{
		offer:   func(words []string) string { return fmt.Sprintf("words=%q", strings.Join(words, " ")) },
		atSub:   `[ "$COMP_CWORD" -eq 2 ]`,
		subWord: "${COMP_WORDS[2]}",
	}
	var b strings.Builder
	b.WriteString("# bash completion for sipconnect; load with: source <(sipconnect completion bash)\n")
	b.WriteString("_sipconnect() {\n")
	b.WriteString("  local cur=${COMP_WORDS[COMP_CWORD]} words=\n")
	fmt.Fprintf(&b, "  if [ \"$COMP_CWORD\" -eq 1 ]; then\n    words=%q\n  else\n", names(tree))
	b.WriteString("    case ${COMP_WORDS[1]} in\n")
	bash.caseArms(&b, "      ", tree)
	b.WriteString("    esac\n  fi\n")
	b.WriteString("  COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n}\n")
	b.WriteString("complete -F _sipconnect sipconnect\n")
	return b.String()
}

func zshCompletion(tree []completed) string {
	zsh := caseSyntax{
		offer: func(words []string) string {
			if len(words) == 0 {
				return ":"
			}
			return "compadd -- " + strings.Join(words, " ")
		},
		atSub:   "(( CURRENT == 3 ))", // zsh's words[1] is the command's own name
		subWord: "${words[3]}",
	}
	var b strings.Builder
	b.WriteString("#compdef sipconnect\n# zsh completion for sipconnect; load with: source <(sipconnect completion zsh)\n")
	b.WriteString("_sipconnect() {\n")
	fmt.Fprintf(&b, "  if (( CURRENT == 2 )); then\n    compadd -- %s\n    return\n  fi\n", names(tree))
	b.WriteString("  case ${words[2]} in\n")
	zsh.caseArms(&b, "    ", tree)
	b.WriteString("  esac\n}\n")
	b.WriteString("if (( $+functions[compdef] )); then compdef _sipconnect sipconnect; fi\n")
	return b.String()
}

func fishCompletion(tree []completed) string {
	var b strings.Builder
	b.WriteString("# fish completion for sipconnect; save as ~/.config/fish/completions/sipconnect.fish\n")
	b.WriteString("complete -c sipconnect -f\n")
	for _, c := range tree {
		fmt.Fprintf(&b, "complete -c sipconnect -n __fish_use_subcommand -a %s\n", c.name)
	}
	for _, c := range tree {
		if c.subs == nil {
			for _, f := range c.flags {
				fmt.Fprintf(&b, "complete -c sipconnect -n '__fish_seen_subcommand_from %s' -l %s\n", c.name, strings.TrimPrefix(f, "--"))
			}
			continue
		}
		subs := names(c.subs)
		fmt.Fprintf(&b, "complete -c sipconnect -n '__fish_seen_subcommand_from %s; and not __fish_seen_subcommand_from %s' -a '%s'\n", c.name, subs, subs)
		for _, s := range c.subs {
			for _, f := range s.flags {
				fmt.Fprintf(&b, "complete -c sipconnect -n '__fish_seen_subcommand_from %s; and __fish_seen_subcommand_from %s' -l %s\n", c.name, s.name, strings.TrimPrefix(f, "--"))
			}
		}
	}
	return b.String()
}
