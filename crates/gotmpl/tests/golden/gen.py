#!/usr/bin/env python3
"""Builds the golden corpus for preflight-gotmpl.

Writes cases (hand-written and generated, valid and broken templates) and records
what the reference implementation (shared/tools/gotmpl-oracle: Go text/template +
Sprig configured as Argo CD configures them) answers for each, into cases.jsonl.

Usage: gen.py ORACLE_BINARY ORACLE_VERSION_LINE
The output is deterministic for a given oracle.
"""
import json
import random
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

PARAMS = {
    "name": "guestbook",
    "Name": "Guest Book",
    "env": "prod",
    "empty": "",
    "zero": 0,
    "one": 1,
    "n": 42,
    "big": 1000000,
    "huge": 123456789,
    "neg": -3,
    "pi": 3.14159,
    "half": 0.5,
    "tiny": 0.00001,
    "t": True,
    "f": False,
    "nil": None,
    "path": "apps/team-a/guestbook",
    "url": "https://github.com/argoproj/argocd-example-apps.git",
    "server": "https://kubernetes.default.svc",
    "list": ["a", "b", "c"],
    "nums": [3, 1, 2],
    "mixed": [1, "x", None, True, {"k": "v"}],
    "emptyList": [],
    "emptyMap": {},
    "map": {"b": 2, "a": "one", "c": [1, 2]},
    "metadata": {"labels": {"env": "staging", "team": "a-team", "app.kubernetes.io/name": "gb"},
                 "annotations": {}},
    "cluster": {"name": "in-cluster", "server": "https://kubernetes.default.svc",
                "metadata": {"labels": {"region": "eu-west-1"}}},
    "values": {"replicas": 3, "image": {"tag": "v1.2.3", "repo": "nginx"}},
    "items": [{"name": "x", "port": 80}, {"name": "y", "port": 443}],
    "segments": ["apps", "team-a", "guestbook"],
    "text": "Hello World, hello gophers",
    "multi": "line one\nline two\n",
    "spaces": "  padded  ",
    "upperText": "HELLO",
    "unicode": "héllo wörld ß",
    "json": "{\"a\": 1, \"b\": [true, null]}",
    "yaml": "a: 1\nb:\n  - x\n  - y\n",
    "b64": "aGVsbG8=",
    "numstr": "123",
    "floatstr": "1.5",
    "branch": "feature/JIRA-123_Add-Thing",
    "html": "<a href=\"x\">&'</a>",
    "date": "2024-02-29",
    "version": "v1.4.0-rc.2+git.abc",
    "repo": "https://github.com/argoproj/argocd-example-apps.git",
}

OPTION_SETS = [[], ["missingkey=error"], ["missingkey=zero"], ["missingkey=default"]]


def hand_written():
    t = []
    # Text, actions, trimming, comments.
    t += ["", "plain text", "{{ .name }}", "{{.name}}-{{.env}}", "a {{- .name -}} b",
          "a  {{- .name }}  b", "a {{ .name -}}\n\n  b", "{{/* comment */}}x", "{{- /* c */ -}} x ",
          "{{ /* bad */ }}", "{{/* unclosed", "{{ .name }", "{{ .name", "{{", "}}", "{{}}",
          "{{ }}", "{{-3}}", "{{- 3 -}}", "{{ 3 -}}", "x{{-}}", "{{.}}", "{{ $ }}", "{{ $.name }}",
          "{{ . }}", "{{ .nil }}", "{{ .missing }}", "{{ .missing.deeper }}", "{{ .nil.x }}",
          "{{ .name.x }}", "{{ .list.x }}", "{{ .map.a }}", "{{ .map.c }}", "{{ .metadata.labels.env }}",
          "{{ .metadata.labels }}", "{{ .mixed }}", "{{ .emptyList }}{{ .emptyMap }}",
          "{{ .big }} {{ .huge }} {{ .pi }} {{ .tiny }} {{ .neg }} {{ .zero }}", "{{ .t }} {{ .f }}",
          "{{ index .metadata.labels \"app.kubernetes.io/name\" }}", "{{ .values.image.tag }}",
          "{{ (.values).replicas }}", "{{ (index .items 0).name }}", "{{ .items }}",
          "{{ 1 }} {{ 1.5 }} {{ 1e3 }} {{ 0x1F }} {{ 0o17 }} {{ 0b101 }} {{ 017 }} {{ 'a' }} {{ '\\n' }}",
          "{{ 1_000 }}", "{{ 08 }}", "{{ 99999999999999999999 }}", "{{ 1e400 }}", "{{ -0 }}", "{{ +5 }}",
          "{{ 1i }}", "{{ 3.0 }}", "{{ .5 }}", "{{ 5. }}", "{{ \"a\\tb\" }}", "{{ `raw\\n` }}",
          "{{ \"\\x41\\u00e9\" }}", "{{ \"bad\\q\" }}", "{{ 'ab' }}", "{{ '' }}", "{{ \"unterminated }}",
          "{{ `unterminated }}", "{{ 'x }}", "{{ true }} {{ false }} {{ nil }}", "{{ 3 | printf \"%d\" }}",
          "{{ \"x\" | 3 }}", "{{ .name | .env }}", "{{ .name 1 }}", "{{ (1) 2 }}", "{{ \"a\" \"b\" }}",
          "{{ .name | }}", "{{ | .name }}", "{{ ( }}", "{{ ) }}", "{{ (.name }}", "{{ .name) }}",
          "{{ .name.  }}", "{{ .na-me }}", "{{ .name# }}", "{{ $x }}", "{{ $x := 1 }}{{ $x }}",
          "{{ $x := .name }}{{ $x = \"y\" }}{{ $x }}", "{{ $x = 1 }}", "{{ $x, $y := 1 }}",
          "{{ $x := 1 }}{{ $x.y }}", "{{ $.missing }}", "{{ $ := 1 }}", "{{ := 1 }}", "{{ $x : 1 }}",
          "{{ .name }}\n{{ .bad | nofunc }}", "line1\nline2 {{ foo }}", "a\n{{ if .t }}\n{{ end ",
          "{{ .name \n }}", "{{ .name\n", "{{ define }}", "{{ end }}", "{{ else }}", "{{ break }}",
          "{{ continue }}", "{{ if }}{{ end }}", "{{ range }}{{ end }}", "{{ with }}{{ end }}",
          "{{ if .t }}yes{{ end }}", "{{ if .f }}yes{{ else }}no{{ end }}",
          "{{ if .f }}1{{ else if .t }}2{{ else }}3{{ end }}", "{{ if .f }}1{{ else if .f }}2{{ end }}",
          "{{ if .t }}x", "{{ if .t }}x{{ else }}y{{ else }}z{{ end }}", "{{ if .t }}{{ end }}{{ end }}",
          "{{ with .missing }}x{{ else }}none{{ end }}", "{{ with .values }}{{ .replicas }}{{ end }}",
          "{{ with $v := .values }}{{ $v.image.repo }}{{ end }}", "{{ with .name }}{{ . }}{{ else if .t }}{{ end }}",
          "{{ range .list }}{{ . }},{{ end }}", "{{ range $i, $v := .list }}{{ $i }}={{ $v }} {{ end }}",
          "{{ range $k, $v := .map }}{{ $k }}:{{ $v }};{{ end }}", "{{ range .emptyList }}x{{ else }}empty{{ end }}",
          "{{ range .missing }}x{{ else }}none{{ end }}", "{{ range .name }}{{ . }}{{ end }}",
          "{{ range .n }}{{ . }}{{ end }}", "{{ range $i, $v, $w := .list }}{{ end }}",
          "{{ range $i := .list }}{{ $i }}{{ end }}", "{{ range .list }}{{ if eq . \"b\" }}{{ break }}{{ end }}{{ . }}{{ end }}",
          "{{ range .list }}{{ if eq . \"b\" }}{{ continue }}{{ end }}{{ . }}{{ end }}",
          "{{ range .items }}{{ .name }}:{{ .port }} {{ end }}", "{{ range .mixed }}[{{ . }}]{{ end }}",
          "{{ range .mixed }}{{ .k }}{{ end }}", "{{ range $x := .list }}{{ end }}{{ $x }}",
          "{{ range .list }}{{ $.name }}{{ end }}", "{{ break 1 }}", "{{ range .list }}{{ break 1 }}{{ end }}",
          "{{ define \"t\" }}T{{ .name }}{{ end }}{{ template \"t\" . }}", "{{ template \"nope\" }}",
          "{{ define \"t\" }}{{ . }}{{ end }}{{ template \"t\" }}", "{{ block \"b\" .env }}[{{ . }}]{{ end }}",
          "{{ define \"a\" }}x{{ end }}{{ define \"a\" }}y{{ end }}", "{{ define \"a\" }}{{ end }}",
          "{{ define \"a\" }}{{ define \"b\" }}{{ end }}{{ end }}", "{{ define 1 }}{{ end }}",
          "{{ template 1 }}", "{{ template \"x\" 1 2 }}", "{{ define \"x\" }}{{ .y }}{{ end }}{{ template \"x\" .missing }}",
          "{{ define \"rec\" }}{{ if . }}{{ . }}{{ template \"rec\" (slice . 1) }}{{ end }}{{ end }}{{ template \"rec\" .list }}",
          "{{ define \"x\" }}{{ .name.first }}{{ end }}\n{{ template \"x\" . }}",
          "{{ $x := 1 }}{{ if .t }}{{ $x = 2 }}{{ end }}{{ $x }}", "{{ if $x := .name }}{{ $x }}{{ end }}{{ $x }}",
          "{{ and 1 0 }} {{ and 1 2 }} {{ or 0 \"\" }} {{ or 0 3 }} {{ and }} {{ not 0 }}",
          "{{ and .t .missing.x }}", "{{ or .t .nil.x }}", "{{ .t | and 1 }}", "{{ not }}", "{{ not 1 2 }}",
          "{{ len .list }} {{ len .name }} {{ len .map }}", "{{ len .n }}", "{{ len .missing }}", "{{ len .nil }}", "{{ len nil }}",
          "{{ index .list 1 }}", "{{ index .list 3 }}", "{{ index .list 5 }}", "{{ index .list -1 }}",
          "{{ index .list .one }}", "{{ index .map \"a\" }}", "{{ index .map \"zz\" }}", "{{ index .map 1 }}",
          "{{ index .name 0 }}", "{{ index .missing 0 }}", "{{ index .nil 0 }}", "{{ index .n 0 }}",
          "{{ index .items 0 \"name\" }}", "{{ index . \"name\" }}", "{{ index .list }}", "{{ index }}",
          "{{ eq 1 1 }} {{ eq 1 2 3 1 }} {{ eq \"a\" \"a\" }} {{ eq .n 42 }} {{ eq .n 42.0 }} {{ ne 1 2 }}",
          "{{ eq .missing .other }} {{ eq .missing \"a\" }} {{ eq .nil .nil }}", "{{ eq 1 }}", "{{ eq }}",
          "{{ eq .list .list }}", "{{ eq .map .list }}", "{{ eq 1 \"1\" }}", "{{ eq true true }}",
          "{{ lt 1 2 }} {{ le 2 2 }} {{ gt 3 1 }} {{ ge 1 2 }} {{ lt \"a\" \"b\" }} {{ lt 1.5 2.5 }}",
          "{{ lt .n 50 }}", "{{ lt .n 50.0 }}", "{{ lt true false }}", "{{ lt .missing 1 }}", "{{ gt .list 1 }}",
          "{{ print 1 2 \"a\" \"b\" 3 nil .list }}", "{{ println 1 \"a\" }}", "{{ print }}",
          "{{ printf \"%s-%s\" .name .env }}", "{{ printf \"%d\" .n }}", "{{ printf \"%v\" .n }}",
          "{{ printf \"%05.1f|%-6s|%6s|%x|%X|%o|%b|%e|%E|%g|%G\" .pi \"ab\" \"cd\" 255 255 8 5 1234.5678 0.000012 100000000.0 1e-7 }}",
          "{{ printf \"%q %v %+v %#v %T\" \"a\\\"b\" .map .n .name .list }}", "{{ printf \"%d %s\" \"x\" 1 }}",
          "{{ printf \"%!\" }} {{ printf \"%\" }} {{ printf \"%z\" 1 }} {{ printf \"%[2]s %[1]s\" \"a\" \"b\" }}",
          "{{ printf \"%*d|%.*f\" 5 42 2 3.14159 }}", "{{ printf \"%t %t\" true 1 }}", "{{ printf \"%c %U %q\" 65 65 65 }}",
          "{{ printf \"%5.2s|%.0f|%.0d\" \"abcdef\" 2.5 0 }}", "{{ printf \"%s\" .nil }} {{ printf \"%v\" .missing }} {{ printf \"%d\" nil }}",
          "{{ printf \"%s %d\" .list .nums }}", "{{ printf \"%x\" \"hi\" }} {{ printf \"% x\" \"hi\" }} {{ printf \"%#x\" 255 }}",
          "{{ printf \"%+d % d %+.2e\" 5 5 12345.678 }}", "{{ printf \"%08.3f|%-8.3f|%+08d\" -3.14159 3.14159 -42 }}",
          "{{ printf \"%v %v\" .t .big }}", "{{ printf 1 }}", "{{ printf }}", "{{ printf \"%s\" (list 1 \"a\") }}",
          "{{ html .html }} {{ js .html }} {{ urlquery .html }} {{ html .missing }} {{ js 1 2 }} {{ urlquery \"a b&c=d/é\" }}",
          "{{ js \"\\u2028 \\x01 é\" }}", "{{ call .name }}", "{{ call nil }}",
          "{{ .name | upper | lower | title }}", "{{ .missing | upper }}", "{{ .nil | upper }}", "{{ upper .nil }}",
          "{{ upper .n }}", "{{ upper 1 }}", "{{ upper nil }}", "{{ upper }}", "{{ upper \"a\" \"b\" }}",
          "{{ add 1 2 | upper }}", "{{ trunc .n .name }}", "{{ trunc (int .n) .name }}", "{{ .name | trunc 4 }}",
          "{{ nofunc }}", "{{ env \"HOME\" }}", "{{ expandenv \"$HOME\" }}", "{{ getHostByName \"x\" }}",
          "{{ slugify .name }}",
          ]
    return t


def function_cases():
    """One or more calls of every function we model, with typical and odd arguments."""
    c = []
    strs = ['"Hello World"', '.name', '.unicode', '.spaces', '.empty', '.branch', '.text', '.multi', '.upperText', '.url']
    for fn in ["upper", "lower", "title", "untitle", "trim", "nospace", "initials", "swapcase", "snakecase",
               "kebabcase", "camelcase", "quote", "squote", "toString", "sha1sum", "sha256sum", "adler32sum",
               "b64enc", "b32enc", "normalize", "base", "dir", "clean", "ext", "isAbs", "toJson", "toRawJson",
               "toPrettyJson", "toYaml", "regexQuoteMeta", "splitList", "typeOf", "kindOf", "empty", "len"]:
        for s in strs:
            c.append("{{ %s %s }}" % (fn, s))
    for fn in ["quote", "squote", "toString", "toJson", "toPrettyJson", "toRawJson", "toYaml", "typeOf", "kindOf",
               "empty", "int", "int64", "float64", "atoi", "toDecimal", "toStrings", "sortAlpha", "first", "last",
               "rest", "initial", "reverse", "uniq", "compact", "deepCopy", "cat", "default \"d\"",
               "coalesce", "all", "any", "list", "join \",\"", "has 1", "has \"a\"", "b64enc", "upper", "len", "add1",
               "ceil", "floor", "abbrev 5", "trunc 3", "indent 2", "nindent 2", "splitList \"/\"", "split \"/\"",
               "without \"a\"", "slice", "add", "mul 2", "max 5", "min 5", "maxf 5", "minf 5", "addf 0.1", "dict \"k\""]:
        for arg in [".name", ".n", ".pi", ".big", ".t", ".nil", ".missing", ".list", ".nums", ".mixed", ".map",
                    ".emptyList", ".emptyMap", ".values", ".items", ".numstr", ".floatstr", ".multi", ".segments",
                    '"0x10"', '"010"', '"1.0"', '" 7 "', "3", "3.7", "-2", "true", "nil", "(list)", "(dict)",
                    "(list 1 2 2 \"a\" \"a\")", "(list \"b\" \"a\" 3)"]:
            c.append("{{ %s %s }}" % (fn, arg))
    c += [
        '{{ substr 0 5 .text }}', '{{ substr 6 -1 .text }}', '{{ substr -1 3 .text }}', '{{ substr 3 1 .text }}',
        '{{ substr 0 100 .text }}', '{{ substr 30 40 .text }}', '{{ substr 1 3 .unicode }}', '{{ substr .one 3 .text }}',
        '{{ repeat 3 "ab" }}', '{{ repeat -1 "a" }}', '{{ repeat 0 "a" }}', '{{ trunc 5 .text }}', '{{ trunc -5 .text }}',
        '{{ trunc 100 .text }}', '{{ trunc 2 .unicode }}', '{{ trimAll "$" "$$5.00$" }}', '{{ trimSuffix ".git" .url }}',
        '{{ trimPrefix "https://" .url }}', '{{ trimall "-" "--x--" }}', '{{ contains "World" .text }}',
        '{{ hasPrefix "apps" .path }}', '{{ hasSuffix "book" .path }}', '{{ replace "-" "_" .branch }}',
        '{{ replace "" "_" "abc" }}', '{{ .branch | replace "/" "-" | lower }}', '{{ plural "one" "many" 1 }}',
        '{{ plural "one" "many" 2 }}', '{{ plural "one" "many" .one }}', '{{ cat "a" 1 nil .list "b" }}',
        '{{ quote "a" 1 nil .t }}', '{{ squote "a" 1 nil }}', '{{ indent 4 .multi }}', '{{ nindent 2 "x\\ny" }}',
        '{{ indent -1 "x" }}', '{{ wrap 10 .text }}', '{{ wrapWith 5 "\\n" "Hello World" }}', '{{ wrap 3 "abcdefgh ij" }}',
        '{{ abbrev 10 .text }}', '{{ abbrev 3 .text }}', '{{ abbrevboth 5 15 "1234567890abcdefghijklmnop" }}',
        '{{ abbrevboth 0 10 .text }}', '{{ split "/" .path }}', '{{ (split "/" .path)._1 }}', '{{ (split "/" .path)._9 }}',
        '{{ splitn "/" 2 .path }}', '{{ splitList "" "abc" }}', '{{ splitList "," "" }}', '{{ join "-" .segments }}',
        '{{ join "," .mixed }}', '{{ join "," .name }}', '{{ join "," .nil }}', '{{ sortAlpha .nums }}',
        '{{ sortAlpha .list }}', '{{ .path | splitList "/" | last }}', '{{ .path | splitList "/" | first }}',
        '{{ regexMatch "^gu.*k$" .name }}', '{{ regexMatch "[" .name }}', '{{ mustRegexMatch "[" .name }}',
        '{{ regexFindAll "[a-z]+" .text -1 }}', '{{ regexFindAll "[a-z]+" .text 2 }}', '{{ regexFindAll "[a-z]+" .text 0 }}',
        '{{ regexFind "\\\\d+" .branch }}', '{{ regexReplaceAll "[^a-z0-9]" .branch "-" }}',
        '{{ regexReplaceAll "(\\\\w+)/(\\\\w+)" .branch "${2}_$1" }}', '{{ regexReplaceAll "a(x*)b" "-ab-axxb-" "$1W" }}',
        '{{ regexReplaceAll "a(x*)b" "-ab-axxb-" "${1}W" }}', '{{ regexReplaceAllLiteral "a(x*)b" "-ab-axxb-" "$1" }}',
        '{{ regexReplaceAll "(" "x" "y" }}', '{{ mustRegexReplaceAll "(" "x" "y" }}', '{{ regexSplit "/" .path -1 }}',
        '{{ regexSplit "a*" "baaac" -1 }}', '{{ regexSplit "/" .path 2 }}', '{{ regexSplit "x" "" -1 }}',
        '{{ regexQuoteMeta "a.b*c" }}', '{{ regexFind "\\\\bW\\\\w+" .text }}', '{{ regexReplaceAll "\\\\s+" .text "_" }}',
        '{{ regexReplaceAll "é" .unicode "e" }}', '{{ regexMatch "^\\\\w+$" .unicode }}',
        '{{ add 1 2 3 }}', '{{ add .n 1 }}', '{{ add .pi 1 }}', '{{ add "3" 4 }}', '{{ add }}', '{{ sub 10 3 }}',
        '{{ sub .n .one }}', '{{ mul 2 3 4 }}', '{{ div 10 3 }}', '{{ div 1 0 }}', '{{ mod 10 3 }}', '{{ mod 1 0 }}',
        '{{ add1 .n }}', '{{ max 1 5 3 }}', '{{ min 1 5 -3 }}', '{{ biggest 1 9 }}', '{{ maxf 1.5 2.5 }}',
        '{{ minf 1.5 -2.5 }}', '{{ addf 0.1 0.2 }}', '{{ subf 1 0.9 }}', '{{ mulf 1.1 3 }}', '{{ divf 1 3 }}',
        '{{ divf 10 4 }}', '{{ divf 1 0 }}', '{{ add1f 1.5 }}', '{{ addf }}', '{{ ceil 1.2 }}', '{{ floor -1.2 }}',
        '{{ round 3.14159 2 }}', '{{ round 2.5 0 }}', '{{ round 1.2345 3 0.4 }}', '{{ round "3.7" 0 }}',
        '{{ atoi "42" }}', '{{ atoi "4.2" }}', '{{ atoi "x" }}', '{{ atoi .n }}', '{{ int "0x1F" }}', '{{ int64 "1e3" }}',
        '{{ int "-5" }}', '{{ float64 "1.5e3" }}', '{{ float64 "abc" }}', '{{ toDecimal "0777" }}', '{{ toDecimal 777 }}',
        '{{ until 5 }}', '{{ until -3 }}', '{{ until 0 }}', '{{ untilStep 0 10 3 }}', '{{ untilStep 10 0 -4 }}',
        '{{ untilStep 0 10 0 }}', '{{ seq 5 }}', '{{ seq 2 5 }}', '{{ seq 5 2 }}', '{{ seq 0 2 10 }}', '{{ seq 10 -3 1 }}',
        '{{ seq }}', '{{ seq 1 2 3 4 }}', '{{ range until 3 }}{{ . }}{{ end }}', '{{ range $i, $e := until 3 }}{{ $i }}{{ end }}',
        '{{ list 1 "a" nil .t }}', '{{ list }}', '{{ tuple 1 2 }}', '{{ dict "a" 1 "b" "x" }}', '{{ dict "a" }}',
        '{{ dict 1 2 }}', '{{ dict }}', '{{ (dict "a" 1).a }}', '{{ get .map "a" }}', '{{ get .map "zz" }}',
        '{{ get .name "a" }}', '{{ get .nil "a" }}', '{{ hasKey .map "a" }}', '{{ hasKey .map "z" }}',
        '{{ hasKey .missing "a" }}', '{{ $d := dict "a" 1 }}{{ $_ := set $d "b" 2 }}{{ $d }}',
        '{{ $_ := set . "added" 1 }}{{ .added }}', '{{ $d := dict "a" 1 "b" 2 }}{{ unset $d "a" }}',
        '{{ set .map "a" }}', '{{ pluck "name" (index .items 0) (index .items 1) }}', '{{ pluck "a" .map }}',
        '{{ keys .map | sortAlpha }}', '{{ keys .map .values | sortAlpha }}', '{{ values .metadata.labels | sortAlpha }}', '{{ keys (dict "x" 1) }}', '{{ values (dict "x" 1) }}',
        '{{ pick .map "a" "c" }}', '{{ omit .map "a" }}', '{{ merge (dict "a" "" "b" 0) (dict "a" "A" "b" 2 "c" 3) }}',
        '{{ merge (dict "a" 1 "n" (dict "x" 1)) (dict "a" 2 "n" (dict "x" 2 "y" 3)) }}',
        '{{ mergeOverwrite (dict "a" 1 "n" (dict "x" 1)) (dict "a" 2 "n" (dict "x" 2 "y" 3)) }}',
        '{{ mergeOverwrite (dict "a" 1 "b" 2) (dict "a" "" "b" nil) }}', '{{ merge (dict "l" (list 1)) (dict "l" (list 2)) }}',
        '{{ merge (dict "l" (list)) (dict "l" (list 2)) }}', '{{ mergeOverwrite (dict "l" (list 1)) (dict "l" (list 2)) }}',
        '{{ merge .map .nil }}', '{{ append .list "d" }}', '{{ push .nums 4 }}', '{{ prepend .list "z" }}',
        '{{ append .name "x" }}', '{{ append .nil "x" }}', '{{ first .list }}', '{{ first .emptyList }}',
        '{{ first .name }}', '{{ first .nil }}', '{{ last .list }}', '{{ rest .list }}', '{{ initial .list }}',
        '{{ rest .emptyList }}', '{{ reverse .list }}', '{{ uniq (list 1 1 2 "1") }}', '{{ without .list "b" "z" }}',
        '{{ has "b" .list }}', '{{ has 3 .nums }}', '{{ has 3.0 .nums }}', '{{ has "a" .name }}', '{{ has "a" nil }}',
        '{{ compact (list "" 0 nil "a" false 1) }}', '{{ slice .list 1 }}', '{{ slice .list 1 2 }}', '{{ slice .list 2 1 }}',
        '{{ slice .list 0 5 }}', '{{ slice .name 1 }}', '{{ slice .emptyList }}', '{{ slice .list "1" }}',
        '{{ concat .list .nums (list "x") }}', '{{ concat .list .name }}', '{{ concat }}',
        '{{ dig "values" "image" "tag" "none" . }}', '{{ dig "values" "nope" "tag" "none" . }}',
        '{{ dig "name" "x" "none" . }}', '{{ dig "a" . }}', '{{ dig 1 "d" . }}', '{{ dig "a" "d" .name }}',
        '{{ chunk 2 .list }}', '{{ chunk 2 .emptyList }}', '{{ chunk 0 .list }}', '{{ chunk 2 .name }}',
        '{{ deepEqual .list .list }}', '{{ deepEqual 1 1.0 }}', '{{ deepCopy .map }}', '{{ default "d" .missing }}',
        '{{ default "d" .empty }}', '{{ default "d" .name }}', '{{ default "d" .zero }}', '{{ default "d" .f }}',
        '{{ default "d" .emptyList }}', '{{ default "d" }}', '{{ .missing | default "d" }}', '{{ .nil | default "x" }}',
        '{{ default 5 .zero }}', '{{ empty .zero }} {{ empty .name }} {{ empty .emptyMap }} {{ empty .missing }}',
        '{{ coalesce .missing .empty .name }}', '{{ coalesce .missing .empty }}', '{{ ternary "y" "n" .t }}',
        '{{ ternary "y" "n" .name }}', '{{ .t | ternary "y" "n" }}', '{{ ternary "y" "n" true }}',
        '{{ all 1 "a" .t }}', '{{ any 0 "" .f }}', '{{ typeIs "string" .name }}', '{{ typeIsLike "float64" .n }}',
        '{{ kindIs "map" .map }}', '{{ kindOf .nil }}', '{{ typeOf (list) }} {{ typeOf (dict) }} {{ typeOf (add 1 2) }} {{ typeOf (atoi "1") }}',
        '{{ typeOf (splitList "," "a") }} {{ typeOf (split "," "a") }} {{ typeOf (until 2) }} {{ typeOf (chunk 1 .list) }}',
        '{{ fail "boom" }}', '{{ fail 1 }}', '{{ b64enc "hello" }}', '{{ b64dec .b64 }}', '{{ b64dec "@@" }}',
        '{{ b64dec "aGVsbG8" }}', '{{ b64dec "aGVsbG8=x" }}', '{{ b64dec "YQ==" }}', '{{ b64dec "YQ=" }}',
        '{{ b32enc "hello" }}', '{{ b32dec "NBSWY3DP" }}', '{{ b32dec "!!" }}', '{{ sha256sum "" }}',
        '{{ fromJson .json }}', '{{ (fromJson .json).b }}', '{{ fromJson "bad" }}', '{{ mustFromJson "bad" }}',
        '{{ fromJson "1" }}', '{{ fromJson "[1,2]" | first }}', '{{ toJson (fromJson .json) }}', '{{ mustFromJson "" }}',
        '{{ toJson .html }}', '{{ toRawJson .html }}', '{{ toJson . }}', '{{ toPrettyJson .values }}',
        '{{ toJson (list 1 1.5 1e21 1e-7 0.000001 100) }}', '{{ toJson .emptyList }} {{ toJson .emptyMap }}',
        '{{ toPrettyJson .emptyMap }}', '{{ toJson "\\u2028\\t\\u0001" }}', '{{ fromYaml .yaml }}',
        '{{ (fromYaml .yaml).b }}', '{{ fromYaml "a: [" }}', '{{ fromYaml "- 1" }}', '{{ fromYamlArray "- 1\\n- a" }}',
        '{{ fromYamlArray "a: 1" }}', '{{ fromYaml "" }}', '{{ fromYaml "a: yes\\nb: 0777\\nc: 1.0\\nd: ~" }}',
        '{{ toYaml .values }}', '{{ toYaml .items }}', '{{ toYaml . }}', '{{ toYaml .list }}', '{{ toYaml "a" }}',
        '{{ toYaml 1 }}', '{{ toYaml nil }}', '{{ toYaml .multi }}', '{{ toYaml (dict "a" .multi "b" "x\\ny") }}',
        '{{ toYaml (list "" "true" "1" "1.5" "yes" "null" "~" "-" "- a" "a: b" "#c" "a #b" "@x" " lead" "trail " "x:y") }}',
        '{{ toYaml (dict "k: x" 1 "" 2 "true" 3) }}', '{{ toYaml (list (list 1 2) (dict) (list) (dict "a" (list 1))) }}',
        '{{ toYaml (list 1e21 1.5 0.1 1e-7 100 -0.0) }}', '{{ toYaml .text }}',
        '{{ toYaml "a very long string with many words that will certainly exceed the eighty column limit of the yaml emitter for sure" }}',
        '{{ toYaml (dict "key" "a very long string with many words that will certainly exceed the eighty column limit of yaml") }}',
        '{{ toYaml "ünïcödé" }}', '{{ toYaml "tab\\there" }}', '{{ toYaml "\\u0001" }}',
        '{{ normalize .branch }}', '{{ normalize "--A_b.C--" }}', '{{ normalize .unicode }}',
        '{{ uuidv4 | len }}', '{{ randAlpha 5 | len }}', '{{ randAlphaNum 0 }}', '{{ randNumeric 3 | len }}',
        '{{ shuffle "" }}', '{{ hello }}', '{{ .name | quote | upper }}', '{{ "a" | printf "%s-%s" "b" }}',
        '{{ list 1 2 | len }}', '{{ .list | join "," | upper }}', '{{ printf "%s" (.name | upper) }}',
        '{{ (printf "%s-%s" .name .env) | trunc 8 }}', '{{ .values.image | toJson }}',
        '{{ .metadata.labels.env | default "dev" | upper }}', '{{ index .metadata.labels "team" | replace "-" "" }}',
        '{{ .cluster.metadata.labels.region | default "us" }}', '{{ .cluster.name | normalize }}-{{ .path | base }}',
        '{{ base .path }} {{ dir .path }} {{ ext "a/b.tar.gz" }} {{ clean "a//b/../c/." }} {{ isAbs "/a" }}',
        '{{ base "" }} {{ dir "" }} {{ dir "/" }} {{ base "/" }} {{ clean "" }} {{ clean "/../a" }} {{ ext "a.b/c" }}',
        '{{ osBase .path }} {{ osDir .path }}',
    ]
    return c


DETERMINISTIC_FUNCS = """abbrev abbrevboth add add1 add1f addf adler32sum all and any append atoi b32dec b32enc
b64dec b64enc base biggest call camelcase cat ceil chunk clean coalesce compact concat contains deepCopy deepEqual
default dict dig dir div divf empty eq ext fail first float64 floor fromJson fromYaml fromYamlArray ge get gt has
hasKey hasPrefix hasSuffix hello html indent index initial initials int int64 isAbs join js kebabcase kindIs kindOf
last le len list lower lt max maxf merge mergeOverwrite min minf mod mul mulf mustAppend mustChunk mustCompact
mustFirst mustFromJson mustHas mustInitial mustLast mustMerge mustPrepend mustPush mustRegexFind mustRegexFindAll
mustRegexMatch mustRegexReplaceAll mustRegexReplaceAllLiteral mustRegexSplit mustRest mustReverse mustSlice
mustToJson mustToPrettyJson mustToRawJson mustUniq mustWithout ne nindent normalize nospace not omit or osBase
osClean osDir osExt osIsAbs pick pluck plural prepend print printf println push quote regexFind regexFindAll
regexMatch regexQuoteMeta regexReplaceAll regexReplaceAllLiteral regexSplit repeat replace rest reverse round seq
set sha1sum sha256sum slice snakecase sortAlpha split splitList splitn squote sub subf substr swapcase ternary title
toDecimal toJson toPrettyJson toRawJson toString toStrings toYaml trim trimAll trimPrefix trimSuffix trimall trunc
tuple typeIs typeIsLike typeOf uniq unset until untilStep untitle upper urlquery without wrap wrapWith""".split()

ARG_POOL = ['"s"', '""', '"a,b"', '"/"', '"%v-%s"', '"[a-z]+"', '"x: 1"', '"3"', '1', '-1', '0', '2.5', '3', 'true',
            'false', 'nil', '.name', '.n', '.pi', '.t', '.nil', '.missing', '.list', '.map', '.nums', '.emptyList',
            '.multi', '.segments', '.values', '.empty', '(list 1 "a")', '(dict "k" "v")', '(add 1 2)', '(atoi "3")',
            '(splitList "," "a,b")', '(split "," "a,b")', '(until 3)', '.big', '.json']


def combinatorial(rng, count):
    """Every function with random arguments of every kind: argument checking paths."""
    out = []
    for _ in range(count):
        fn = rng.choice(DETERMINISTIC_FUNCS)
        args = [rng.choice(ARG_POOL) for _ in range(rng.randint(0, 3))]
        if args and rng.random() < 0.3:
            out.append("{{ %s | %s %s }}" % (args[-1], fn, " ".join(args[:-1])))
        else:
            out.append("{{ %s %s }}" % (fn, " ".join(args)))
    return out


def more_hand_written():
    return [
        "a {{- /* c */ -}} b", "a {{/* c */ -}} b", "a {{- /* c */}} b", "{{- .name -}}", "  {{- .name }}  \n",
        "{{ .name }}\n{{- .env }}", "{{ if .t -}}\n  yes\n{{- end }}", "{{/* a */}}{{/* b */}}", "{{ /**/ }}",
        "{{/*\nmulti\n*/}}x", "{{- /* x */ }}", "{{ .name }}{{/* x */ -}}   y",
        "{{ printf \"%v %v %v %v %v\" 1e20 1e21 123456789.123 0.000123 -0.0 }}",
        "{{ printf \"%.3g|%10.4e|%-10v|%+v\" 1234.5678 0.000123 .list .map }}",
        "{{ printf \"%5v|%-5v|%05v\" .list .map 3 }}", "{{ printf \"%q\" .list }}", "{{ printf \"%x\" 1.5 }}",
        "{{ printf \"%e\" 1 }}", "{{ printf \"%s %d %t\" true true 1 }}", "{{ printf \"%c|%q|%U\" 0x1F600 0x1F600 0x1F600 }}",
        "{{ printf \"%08b|%o|%#o|%O\" 5 8 8 8 }}", "{{ printf \"%6.2f%%\" 99.5 }}", "{{ printf \"%[1]s %[1]s %s\" \"a\" \"b\" }}",
        "{{ printf \"%[3]s\" 1 }}", "{{ printf \"%[x]s\" 1 }}", "{{ printf \"%.[2]d\" 1 2 }}", "{{ printf \"%-+5d|% 5d\" 3 3 }}",
        "{{ printf \"%v\" (dict \"a\" (list 1 (dict \"b\" nil))) }}", "{{ printf \"%d\" .map }}", "{{ printf \"%s\" .map }}",
        "{{ printf \"%T %T %T\" nil .nil (index .mixed 2) }}", "{{ printf \"%10s|%-10s|%.2s\" \"héllo\" \"wörld\" \"ßx\" }}",
        "{{ printf \"%v\" .tiny }} {{ .tiny }} {{ printf \"%g\" 100000.0 }} {{ printf \"%g\" 1000000.0 }}",
        "{{ printf \"%.0f %.0f %.0f %.1f\" 0.5 1.5 2.5 0.25 }}", "{{ printf \"%6.3v\" 3.14159 }}",
        "{{ print .nil .missing 1 \"a\" 2 3 }}", "{{ println }}", "{{ print \"a\" \"b\" 1 2 \"c\" }}",
        "{{ range $i, $e := .items }}{{ if $i }}, {{ end }}{{ $e.name }}={{ $e.port }}{{ end }}",
        "{{ range .items }}{{ $.env }}/{{ .name }} {{ end }}", "{{ $n := 0 }}{{ range .list }}{{ $n = add $n 1 }}{{ end }}{{ $n }}",
        "{{ range $k, $v := .metadata.labels }}{{ $k }}={{ $v | quote }} {{ end }}", "{{ range $i, $v := .metadata.labels }}{{ $i }}{{ end }}",
        "{{ with $x := .values.image }}{{ $x.repo }}:{{ .tag }}{{ end }}", "{{ with .values }}{{ with .image }}{{ .tag }}{{ end }}{{ end }}",
        "{{ if and .t (eq .env \"prod\") }}P{{ else if or .f .t }}Q{{ end }}", "{{ if not .missing }}none{{ end }}",
        "{{ if .emptyMap }}x{{ else }}empty{{ end }}", "{{ if .nil }}x{{ else }}nil{{ end }}", "{{ if .zero }}x{{ else }}0{{ end }}",
        "{{ if eq .n 42.0 }}yes{{ end }}", "{{ if eq .n 42 }}yes{{ end }}", "{{ if gt (len .list) 2 }}long{{ end }}",
        "{{ define \"lbl\" }}{{ range $k, $v := . }}{{ $k }}:{{ $v }};{{ end }}{{ end }}{{ template \"lbl\" .metadata.labels }}",
        "{{ define \"a\" }}A{{ template \"b\" . }}{{ end }}{{ define \"b\" }}B{{ .name }}{{ end }}{{ template \"a\" . }}",
        "{{ block \"x\" . }}{{ .nope.deeper }}{{ end }}", "{{ define \"x\" }}{{ $ }}{{ end }}{{ template \"x\" .env }}",
        "{{ template \"x\" }}{{ define \"x\" }}X{{ end }}", "{{ define \"x\" }}{{ break }}{{ end }}",
        "{{ range .list }}{{ define \"x\" }}{{ end }}{{ end }}", "{{ .values.image | toYaml }}",
        "{{ toYaml (dict \"a\" (dict \"b\" (dict \"c\" (list 1 (dict \"d\" \"e\" \"f\" (list)))))) }}",
        "{{ toYaml (list (dict \"a\" 1 \"b\" (list 1 2)) (list (list 1))) }}",
        "{{ toYaml (dict \"multi\" \"a\\nb\\n\\n\" \"lead\" \"\\nx\" \"sp\" \" a\\nb\" \"trail\" \"a \\nb\") }}",
        "{{ toYaml (list \"a'b\" \"a\\\"b\" \"*x\" \"&a\" \"!t\" \"%p\" \"x #y\" \"x# y\" \"a:b\" \"a: b\" \"? x\" \"-x\" \"[x]\" \"{x}\" \"x,y\") }}",
        "{{ toYaml (list \"0x10\" \"0o17\" \"017\" \"1e3\" \".5\" \"+1\" \"1_000\" \"1:20\" \"Yes\" \"OFF\" \"n\" \"~\" \"NULL\" \".inf\" \"-.Inf\" \".nan\" \"<<\" \"=\") }}",
        "{{ toYaml (list \"---\" \"...\" \"--- x\" \"a\\tb\" \"é\" \"\\u00a0\" \"\\u2028\" \"\\r\") }}",
        "{{ toYaml .mixed }}", "{{ toYaml .nums }}", "{{ toYaml (list 12345678901234567890 1.0 -1.5e-10 2e20 3e21) }}",
        "{{ toYaml (dict \"long\" (list \"word word word word word word word word word word word word word word word word word word word\")) }}",
        "{{ toYaml (dict \"long\" \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa bbb\") }}",
        "{{ toYaml \"x: a very long string with many words that will certainly exceed the eighty column limit of yaml\" }}",
        "{{ toPrettyJson (list) }} {{ toPrettyJson (list (dict)) }} {{ toJson (dict \"a\" nil) }}",
        "{{ toJson (list .big .huge .pi .tiny .neg) }}", "{{ toJson 1e-7 }} {{ toJson 123456789012345678901234.0 }}",
        "{{ fromJson \"{\\\"a\\\": 1e3, \\\"b\\\": \\\"x\\\"}\" }}", "{{ mustFromJson \"{\\\"a\\\" 1}\" }}",
        "{{ mustFromJson \"[1,]\" }}", "{{ mustFromJson \"{} x\" }}", "{{ mustFromJson \"{1:2}\" }}", "{{ mustFromJson \"[1 2]\" }}",
        "{{ $m := dict }}{{ $_ := set $m \"x\" (dict \"y\" 1) }}{{ $m.x.y }}", "{{ $l := list }}{{ $l = append $l 1 }}{{ $l }}",
        "{{ $d := .values }}{{ $_ := set $d \"replicas\" 5 }}{{ .values.replicas }}",
        "{{ $_ := unset .metadata \"labels\" }}{{ .metadata }}", "{{ (merge (dict) .values).image.tag }}",
        "{{ $x := merge .values (dict \"extra\" 1) }}{{ .values.extra }}",
        "{{ 1.e3 }}", "{{ 0x1p3 }}", "{{ 0x1.8p1 }}", "{{ 1_0.5 }}", "{{ 0b2 }}", "{{ 9223372036854775807 }}",
        "{{ 9223372036854775808 }}", "{{ -9223372036854775808 }}", "{{ 18446744073709551615 }}", "{{ 0x_1 }}",
        "{{ 1__0 }}", "{{ 10_ }}", "{{ 0_7 }}", "{{ 0o8 }}", "{{ .5e-3 }}", "{{ 1e }}", "{{ 1e+ }}", "{{ +-1 }}",
        "{{ - }}", "{{ + }}", "{{ -.5 }}", "{{ 1.2.3 }}", "{{ 1a }}", "{{ 0x }}", "{{ 1ii }}", "{{ 1+2i }}",
        "{{ '\\x41' }}", "{{ '\\u00e9' }}", "{{ '\\'' }}", "{{ '\\\"' }}", "{{ '\"' }}", "{{ 'é' }}", "{{ '\\400' }}",
        "{{ \"\\xff\" }}", "{{ \"\\400\" }}", "{{ \"\\u00\" }}", "{{ \"\\'\" }}", "{{ \"\\U0010FFFF\" | len }}",
        "{{ \"\\ud800\" }}", "{{ `a\rb` }}", "{{ print 'a' 1.0 2 }}", "{{ add 'a' 1 }}", "{{ trunc 'a' .text }}",
        "{{ trunc 2.0 .text }}", "{{ trunc 2.5 .text }}", "{{ trunc 1e2 .text }}", "{{ trunc 0x2 .text }}",
        "{{ repeat 2 3 }}", "{{ ternary 1 2 1 }}", "{{ ternary 1 2 nil }}", "{{ round 1.5 1.0 }}", "{{ round 1.5 0 0.3 }}",
        "{{ round 1.5 0 1 }}", "{{ indent 2.5 \"x\" }}", "{{ define \"a b\" }}x{{ end }}{{ template \"a b\" }}",
        "{{ define `r` }}R{{ end }}{{ template `r` }}", "{{ define \"\" }}main{{ end }}", "{{ define \"x\" }}{{ end }}{{ template \"x\" }}",
        "{{ template \"\" }}", "{{ $x := 1 }}{{ define \"d\" }}{{ $x }}{{ end }}", "{{ .name | printf \"%s\" | len }}",
        "{{ (print .name).x }}", "{{ (list 1).x }}", "{{ nil.x }}", "{{ (nil).x }}", "{{ $.name.x }}", "{{ .name.x.y }}",
        "{{ ( .name ) }}", "{{ (\n.name\n) }}", "{{ .name\n| upper }}", "{{\n.name\n}}", "{{ if\n.t\n}}y{{ end }}",
        "{{ $x :=\n1 }}{{ $x }}", "{{ \"a\"\n\"b\" }}", "{{ .list | index 0 }}", "{{ 0 | index .list }}",
        "{{ \"x\" | printf }}", "{{ printf | len }}", "{{ and | not }}", "{{ .t | or }}", "{{ .t | and .f }}",
        "{{ not .t | not }}", "{{ eq .name | not }}", "{{ .name | eq \"guestbook\" }}", "{{ .n | eq 42.0 1 }}",
        "{{ len | upper }}", "{{ .missing | len }}", "{{ .map | len }}", "{{ .list | slice 1 }}", "{{ html }}", "{{ js }}",
        "{{ urlquery }}", "{{ print nil }}", "{{ printf \"%v\" nil }}", "{{ index nil }}", "{{ index .list nil }}",
        "{{ index .map nil }}", "{{ index .map .nil }}", "{{ index .list .nil }}", "{{ index .list 1.0 }}", "{{ index .list \"1\" }}",
        "{{ index (split \"/\" .path) \"_0\" }}", "{{ index (split \"/\" .path) \"zz\" }}", "{{ index (until 3) 1 }}",
        "{{ index (splitList \"/\" .path) 1 }}", "{{ index .name 100 }}", "{{ index .name 9 }}", "{{ len (index .name 0) }}",
        "{{ eq (index .name 0) 103 }}", "{{ printf \"%T\" (index .name 0) }}", "{{ slice .name 1 3 }}",
        "{{ $x := 1 }}{{ $x := 2 }}{{ $x }}", "{{ range $i, $x := .list }}{{ end }}{{ $i }}",
        "{{ with $x := 1 }}{{ end }}{{ $x }}", "{{ if $x := 1 }}{{ else }}{{ $x }}{{ end }}",
        "{{ range .list }}{{ else }}{{ break }}{{ end }}", "{{ range .list }}{{ with . }}{{ break }}{{ end }}{{ end }}",
        "{{ range .list }}{{ template \"t\" }}{{ end }}{{ define \"t\" }}{{ continue }}{{ end }}",
        "{{ range $i, $v := .emptyMap }}x{{ else }}{{ $i }}{{ end }}",
    ]


SOUP = ["{{", "}}", "{{-", "-}}", " ", "\n", ".", ".name", ".list", ".map.a", "$", "$x", ":=", "=", "|", "(", ")",
        '"s"', "`r`", "'c'", "1", "-2", "1.5", "0x1f", "1e3", "if", "else", "end", "range", "with", "define",
        "template", "block", "break", "continue", "nil", "true", "and", "or", "not", "eq", "len", "index",
        "printf", '"%v %d"', "upper", "default", "toJson", "list", "dict", ",", "#", "{", "}", "é", "\t", "/*", "*/"]


def soup(rng, count):
    """Token soup: mostly broken templates that stress the lexer and parser."""
    out = []
    for _ in range(count):
        pieces = [rng.choice(SOUP) for _ in range(rng.randint(1, 14))]
        text = "".join(pieces)
        if rng.random() < 0.5:
            text = "{{ " + text.replace("{{", "").replace("}}", "") + " }}"
        out.append(text)
    return out


def generated(rng, count):
    """Random pipelines over the parameters, mostly valid."""
    fields = [".name", ".env", ".n", ".pi", ".big", ".list", ".map", ".missing", ".nil", ".t", ".path",
              ".values.image.tag", ".metadata.labels.team", ".segments", ".empty", ".numstr", ".items"]
    unary = ["upper", "lower", "title", "trim", "quote", "squote", "len", "toString", "toJson", "b64enc", "first",
             "last", "sortAlpha", "normalize", "typeOf", "kindOf", "empty", "int", "float64", "add1", "not",
             "uniq", "reverse", "base", "toYaml", "sha1sum", "nospace", "snakecase", "kebabcase"]
    binary = ['default "x"', 'trunc 3', 'replace "e" "E"', 'printf "%v|%s"', 'join "-"', 'add 2', 'mul 3',
              'indent 2', 'hasPrefix "g"', 'contains "o"', 'eq "prod"', 'ne 1', 'lt 3', 'splitList "/"', 'split "/"',
              'index .list', 'has "a"', 'append .list', 'regexReplaceAll "[aeiou]" "x"', 'trimSuffix "k"']
    out = []
    for _ in range(count):
        parts = [rng.choice(fields)]
        for _ in range(rng.randint(0, 3)):
            parts.append(rng.choice(unary if rng.random() < 0.5 else binary))
        body = " | ".join(parts)
        shape = rng.random()
        if shape < 0.6:
            tpl = "{{ %s }}" % body
        elif shape < 0.75:
            tpl = "{{ if %s }}yes{{ else }}no{{ end }}" % body
        elif shape < 0.85:
            tpl = "{{ range $i, $v := %s }}{{ $i }}:{{ $v }};{{ end }}" % body
        else:
            tpl = "x-{{ with %s }}{{ . }}{{ end }}-y" % body
        out.append(tpl)
    return out


def broken(rng, valid, count):
    """Truncations and small corruptions of valid templates: parse errors."""
    out = []
    noise = ["{", "}", "(", ")", "|", "$", ".", "\"", "`", "'", ":=", "=", ",", "-", " ", "\n", "#", "{{", "}}", "end", "else"]
    for _ in range(count):
        tpl = rng.choice(valid)
        if not tpl:
            continue
        mode = rng.random()
        if mode < 0.4:
            cut = rng.randint(1, len(tpl))
            tpl = tpl[:cut]
        elif mode < 0.8:
            pos = rng.randint(0, len(tpl))
            tpl = tpl[:pos] + rng.choice(noise) + tpl[pos:]
        else:
            pos = rng.randint(0, len(tpl) - 1)
            tpl = tpl[:pos] + tpl[pos + 1:]
        out.append(tpl)
    return out


DATE_SEMVER_URL_HAND = [
    '{{ toDate "2006-01-02" "2024-05-01" }}',
    '{{ toDate "2006-01-02T15:04:05Z07:00" "2024-05-01T10:00:00+02:00" }}',
    '{{ toDate "2006-01-02" "bad" }}',
    '{{ mustToDate "2006-01-02" "bad" }}',
    '{{ toDate "2006-01-02 MST" "2024-05-01 PDT" }}',
    '{{ toDate "2006-01-02" "2024-05-01" | toJson }}',
    '{{ toDate "2006-01-02" "2024-05-01" | typeOf }}',
    '{{ toDate "2006-01-02" "2024-05-01" | kindOf }}',
    '{{ toDate "2006-01-02" "2024-05-01" | empty }}',
    '{{ toDate "2006-01-02" "2024-05-01" | unixEpoch }}',
    '{{ unixEpoch "x" }}',
    '{{ unixEpoch 1 }}',
    '{{ unixEpoch .s }}',
    '{{ unixEpoch .nil }}',
    '{{ unixEpoch nil }}',
    '{{ unixEpoch .missing }}',
    '{{ duration 3661 }}',
    '{{ duration "3661" }}',
    '{{ duration (int64 3661) }}',
    '{{ duration .n }}',
    '{{ duration "-5" }}',
    '{{ duration "99999999999999999999" }}',
    '{{ duration "9999999999" }}',
    '{{ duration "0" }}',
    '{{ duration "" }}',
    '{{ durationRound "2h10m" }}',
    '{{ durationRound "-2h10m" }}',
    '{{ durationRound (int64 1000000000) }}',
    '{{ durationRound "1.5s" }}',
    '{{ durationRound "800h" }}',
    '{{ durationRound "9000h" }}',
    '{{ durationRound "721h" }}',
    '{{ durationRound "bad" }}',
    '{{ date "2006-01-02" (toDate "2006-01-02" "2024-05-01") }}',
    '{{ date "2006-01-02" (int64 0) }}',
    '{{ date "2006-01-02" 0 }}',
    '{{ date "Mon Jan 2 15:04:05 MST 2006" 1700000000 }}',
    '{{ date "Monday, 02-Jan-06 15:04:05 MST" 1700000000 }}',
    '{{ date "3:04PM pm .000 .999 ,000 _2 __2 002 Z07:00 -0700 -07 Z0700 -07:00:00" (toDate "2006-01-02T15:04:05.999Z07:00" "2024-02-03T14:05:06.120+05:30") }}',
    '{{ date "2006-01-02T15:04:05.999999999Z07:00" (toDate "2006-01-02T15:04:05.999999999Z07:00" "2024-02-03T14:05:06.123456789Z") }}',
    '{{ dateInZone "2006-01-02 15:04 MST" (int64 0) "UTC" }}',
    '{{ dateInZone "2006-01-02 15:04 MST" (int64 0) "Local" }}',
    '{{ dateInZone "2006-01-02 15:04 MST" (int64 0) "" }}',
    '{{ dateInZone "2006-01-02 15:04 MST" (int64 0) "Etc/GMT-3" }}',
    '{{ dateInZone "2006-01-02 15:04 MST" (int64 0) "Etc/GMT+10" }}',
    '{{ dateInZone "2006-01-02 15:04 MST" (int64 0) "GMT" }}',
    '{{ date_in_zone "2006-01-02 15:04 MST" (toDate "2006-01-02 15:04" "2024-05-01 10:00") "Etc/UTC" }}',
    '{{ dateModify "1.5h" (toDate "2006-01-02" "2024-05-01") }}',
    '{{ dateModify "-1.5h" (toDate "2006-01-02" "2024-05-01") }}',
    '{{ dateModify "1h2m3s4ms5us6ns" (toDate "2006-01-02" "2024-05-01") }}',
    '{{ dateModify "bad" (toDate "2006-01-02" "2024-05-01") }}',
    '{{ mustDateModify "bad" (toDate "2006-01-02" "2024-05-01") }}',
    '{{ mustDateModify "1" (toDate "2006-01-02" "2024-05-01") }}',
    '{{ mustDateModify "1x" (toDate "2006-01-02" "2024-05-01") }}',
    '{{ mustDateModify "" (toDate "2006-01-02" "2024-05-01") }}',
    '{{ mustDateModify ".h" (toDate "2006-01-02" "2024-05-01") }}',
    '{{ mustDateModify "1.h" (toDate "2006-01-02" "2024-05-01") }}',
    '{{ must_date_modify "3000000h" (toDate "2006-01-02" "2024-05-01") }}',
    '{{ dateModify "1h" "x" }}',
    '{{ dateModify "1h" .s }}',
    '{{ date_modify "24h" (toDate "2006-01-02" "2024-02-28") }}',
    '{{ htmlDate (int64 86400) }}',
    '{{ htmlDate (toDate "2006-01-02" "2000-02-29") }}',
    '{{ htmlDateInZone (int64 86400) "UTC" }}',
    '{{ (toDate "2006-01-02" "2024-05-01").Year }}',
    '{{ (toDate "2006-01-02" "2024-05-01").Month }}',
    '{{ (toDate "2006-01-02" "2024-05-01").Weekday }}',
    '{{ (toDate "2006-01-02" "2024-05-01").Unix }}',
    '{{ (toDate "2006-01-02" "2024-05-01").wall }}',
    '{{ (toDate "2006-01-02" "2024-05-01").Nope }}',
    '{{ toDate "2006-01-02" "2024-05-01" | toString }}',
    '{{ toDate "2006-01-02" "2024-05-01" | toYaml }}',
    '{{ eq (toDate "2006-01-02" "2024-05-01") (toDate "2006-01-02" "2024-05-01") }}',
    '{{ eq (toDate "2006-01-02" "2024-05-01") "x" }}',
    '{{ list (toDate "2006-01-02" "2024-05-01") }}',
    '{{ dict "a" (toDate "2006-01-02" "2024-05-01") | toJson }}',
    '{{ printf "%v|%s|%q|%T" (toDate "2006-01-02" "2024-05-01") (toDate "2006-01-02" "2024-05-01") (toDate "2006-01-02" "2024-05-01") (toDate "2006-01-02" "2024-05-01") }}',
    '{{ toDate "2006-01-02 15:04:05.000" "2024-05-01 10:11:12.345" }}',
    '{{ toDate "2006-01-02 15:04:05" "2024-05-01 10:11:12.345678" }}',
    '{{ toDate "2006-01-02" "2024-02-30" }}',
    '{{ mustToDate "2006-01-02" "2024-02-30" }}',
    '{{ mustToDate "2006-01-02" "2024-13-01" }}',
    '{{ mustToDate "2006-01-02 15:04" "2024-12-01 25:00" }}',
    '{{ mustToDate "2006-01-02" "2024-12-01x" }}',
    '{{ mustToDate "Jan 2 2006" "feb 3 2024" }}',
    '{{ mustToDate "January 2, 2006 3:04 PM" "March 4, 2021 12:30 AM" }}',
    '{{ mustToDate "02 Jan 06 15:04 MST" "02 Feb 21 15:04 GMT+3" }}',
    '{{ mustToDate "02 Jan 06 15:04 -0700" "02 Feb 21 15:04 +0000" }}',
    '{{ mustToDate "02 Jan 06 15:04 -0700" "02 Feb 21 15:04 -0130" }}',
    '{{ mustToDate "2006-01-02T15:04:05Z07:00" "2024-05-01T10:00:00Z" }}',
    '{{ mustToDate "2006 002" "2024 060" }}',
    '{{ mustToDate "2006 002" "2023 366" }}',
    '{{ mustToDate "15:04" "10:30" }}',
    '{{ mustToDate "" "" }}',
    '{{ mustToDate "" "x" }}',
    '{{ mustToDate "2006-01-02" "" }}',
    '{{ mustToDate "Monday 2006-01-02" "Tuesday 2024-05-01" }}',
    '{{ mustToDate "2006-01-02 MST" "2024-05-01 UTC" }}',
    '{{ mustToDate "2006-01-02 MST" "2024-05-01 CEST" }}',
    '{{ mustToDate "2006-01-02 MST" "2024-05-01 X" }}',
    '{{ mustToDate "2006-01-02   15" "2024-05-01 10" }}',
    '{{ mustToDate "2006-01-02 .000" "2024-05-01 .12" }}',
    '{{ mustToDate "06-1-2" "99-1-2" }}',
    '{{ toDate "2006-01-02" "0000-01-01" | toJson }}',
    '{{ toDate "2006-01-02" "2024-05-01" | deepCopy }}',
    '{{ toDate 1 "x" }}',
    '{{ toDate "x" }}',
    '{{ semver "1.2.3" }}',
    '{{ semver "v1.2" }}',
    '{{ semver "1.2.3-beta.1+build.5" }}',
    '{{ (semver "v1.2-rc1+x").Major }}|{{ (semver "v1.2-rc1+x").Minor }}|{{ (semver "v1.2-rc1+x").Patch }}|{{ (semver "v1.2-rc1+x").Prerelease }}|{{ (semver "v1.2-rc1+x").Metadata }}|{{ (semver "v1.2-rc1+x").Original }}',
    '{{ semver "bad" }}',
    '{{ semver "1.2.3.4" }}',
    '{{ semver "01.2.3" }}',
    '{{ semver "1.2.3-01" }}',
    '{{ semver "1.2.3-0" }}',
    '{{ semver "1.2.3+01" }}',
    '{{ semver "" }}',
    '{{ semver "V1.2.3" }}',
    '{{ semver "99999999999999999999.0.0" }}',
    '{{ semver "1.2.3-" }}',
    '{{ semver "1.2.3-a..b" }}',
    '{{ semver " 1.2.3" }}',
    '{{ semver 1 }}',
    '{{ semver .s }}',
    '{{ semver .n }}',
    '{{ semver "1.2.3" | toJson }}',
    '{{ semver "1.2.3" | typeOf }}',
    '{{ semver "1.2.3" | kindOf }}',
    '{{ printf "%v %s %q %T" (semver "1.2.3") (semver "1.2.3") (semver "1.2.3") (semver "1.2.3") }}',
    '{{ (semver "1.2.3").major }}',
    '{{ (semver "1.2.3").Nope }}',
    '{{ (semver "1.2.3").Major.x }}',
    '{{ semver "1.2.3" | toString }}',
    '{{ eq (semver "1.2.3") (semver "1.2.3") }}',
    '{{ $v := semver "1.2.3" }}{{ eq $v $v }}',
    '{{ semver "1.2.3" | empty }}',
    '{{ semver "1.2.3" | toYaml }}',
    '{{ (semver "1.2.3").String }}',
    '{{ semver "1.2.3" | len }}',
    '{{ if semver "0.0.0" }}y{{ end }}',
    '{{ list (semver "1.2.3") }}',
    '{{ (semver "1.2.3").Major | add 1 }}',
    '{{ (semver "1.2.3").Major | typeOf }}',
    '{{ semverCompare "^1.2" "1.5.0" }}',
    '{{ semverCompare "bad constraint" "1.5.0" }}',
    '{{ semverCompare ">1" "bad" }}',
    '{{ semverCompare "bad" "bad" }}',
    '{{ semverCompare ">=1.0.0-0" "1.0.0-alpha" }}',
    '{{ semverCompare ">=1.0.0" "1.1.0-alpha" }}',
    '{{ semverCompare "~1.2.3" "1.2.9" }}',
    '{{ semverCompare "1.2 - 1.4" "1.4.9" }}',
    '{{ semverCompare "1.2 - 1.4" "1.5.0" }}',
    '{{ semverCompare ">1, <2 || 3.x" "3.1.0" }}',
    '{{ semverCompare "" "1.0.0" }}',
    '{{ semverCompare "*" "1.0.0-alpha" }}',
    '{{ semverCompare "*" "1.0.0" }}',
    '{{ semverCompare "x" "1.0.0" }}',
    '{{ semverCompare 1 "1" }}',
    '{{ semverCompare ">= 1.2, < 3" "2.9.9" }}',
    '{{ semverCompare ">= 1.2 < 3" "3.0.0" }}',
    '{{ semverCompare ">=1.2,<3" "1.1.0" }}',
    '{{ semverCompare "=1.2.3" "1.2.3+meta" }}',
    '{{ semverCompare "1.2.3" "v1.2.3" }}',
    '{{ semverCompare "!=1.2.3" "1.2.3" }}',
    '{{ semverCompare "!=1.2" "1.2.5" }}',
    '{{ semverCompare "!=1.2" "1.3.5" }}',
    '{{ semverCompare "!=1.x" "2.0.0" }}',
    '{{ semverCompare "!=1.2.x" "1.2.0-beta" }}',
    '{{ semverCompare "!=1.2.x-beta" "1.2.0-beta" }}',
    '{{ semverCompare ">1.2" "1.2.5" }}',
    '{{ semverCompare ">1.2" "1.3.0" }}',
    '{{ semverCompare ">1" "1.9.0" }}',
    '{{ semverCompare ">1" "2.0.0" }}',
    '{{ semverCompare "<1.2" "1.1.9" }}',
    '{{ semverCompare "<=1.2" "1.2.9" }}',
    '{{ semverCompare "<=1" "1.9.9" }}',
    '{{ semverCompare "<=1" "2.0.0" }}',
    '{{ semverCompare "~1" "1.9.0" }}',
    '{{ semverCompare "~1" "2.0.0" }}',
    '{{ semverCompare "~0" "0.5.0" }}',
    '{{ semverCompare "~0.0.0" "3.5.0" }}',
    '{{ semverCompare "~>1.2" "1.2.4" }}',
    '{{ semverCompare "~1.2.x" "1.3.0" }}',
    '{{ semverCompare "^0.2.3" "0.2.9" }}',
    '{{ semverCompare "^0.2.3" "0.3.0" }}',
    '{{ semverCompare "^0.0.3" "0.0.4" }}',
    '{{ semverCompare "^0.0.3" "0.0.3" }}',
    '{{ semverCompare "^0" "0.9.0" }}',
    '{{ semverCompare "^0.0" "0.0.9" }}',
    '{{ semverCompare "^0.0" "0.1.0" }}',
    '{{ semverCompare "^1.2.3-beta.2" "1.2.3-beta.10" }}',
    '{{ semverCompare "^1.2.3-beta.2" "1.3.0-beta.1" }}',
    '{{ semverCompare "^1.2.3-beta.2" "1.2.3-alpha" }}',
    '{{ semverCompare "1.x" "1.5.0" }}',
    '{{ semverCompare "1.2.X" "1.2.9" }}',
    '{{ semverCompare "=1.*" "1.5.0" }}',
    '{{ semverCompare ">=*" "1.0.0" }}',
    '{{ semverCompare "<1.0.0-beta" "1.0.0-alpha" }}',
    '{{ semverCompare ">1.0.0-alpha" "1.0.0-alpha.1" }}',
    '{{ semverCompare ">1.0.0-alpha" "1.0.0" }}',
    '{{ semverCompare "1 || 2" "2.3.0" }}',
    '{{ semverCompare "1||2" "2.3.0" }}',
    '{{ semverCompare "||" "1.0.0" }}',
    '{{ semverCompare "1 ||" "1.0.0" }}',
    '{{ semverCompare ">1 <3 !=2.0.0" "2.0.0" }}',
    '{{ semverCompare ">1 <3 !=2.0.0" "2.0.1" }}',
    '{{ semverCompare ">1 <3,,!=2.0.0" "2.0.1" }}',
    '{{ semverCompare ">>1" "2.0.0" }}',
    '{{ semverCompare "v1.2.3" "1.2.3" }}',
    '{{ semverCompare "1.2.3 - 2" "2.5.0" }}',
    '{{ semverCompare "1.2.3-2" "1.2.3-2" }}',
    '{{ semverCompare "=>1.2" "1.2.0" }}',
    '{{ semverCompare "=<1.2" "1.2.7" }}',
    '{{ semverCompare "1.2.3+build" "1.2.3" }}',
    '{{ semverCompare ">1.x" "1.5.0" }}',
    '{{ semverCompare ">1.2.x" "1.3.0" }}',
    '{{ semverCompare "<1.x" "0.9.0" }}',
    '{{ semverCompare "<=1.2.x" "1.2.9" }}',
    '{{ semverCompare "1.2|3" "1.2.3" }}',
    '{{ semverCompare "99999999999999999999" "1.0.0" }}',
    '{{ semverCompare " >1 " "2.0.0" }}',
    '{{ semverCompare ">1.0.0-alpha.x" "1.0.0-alpha.y" }}',
    '{{ urlParse "https://user:p%40ss@example.com:8443/a%20b/c?x=1&y=2#frag%20x" }}',
    '{{ urlParse "https://user:p%40ss@example.com:8443/a%20b/c?x=1&y=2#frag%20x" | urlJoin }}',
    '{{ urlParse "mailto:someone@example.com" }}',
    '{{ urlParse "mailto:someone@example.com" | urlJoin }}',
    '{{ urlParse "/relative/path?q" }}',
    '{{ urlParse "//host/path" }}',
    '{{ urlParse "http://[::1]:80/x" }}',
    '{{ urlParse "http://[fe80::1%25en0]:80/x" }}',
    '{{ urlParse "a:b/c:d" }}',
    '{{ urlParse ":x" }}',
    '{{ urlParse "http://a b/" }}',
    '{{ urlParse "http://a:b/" }}',
    '{{ urlParse "http://a:/" }}',
    '{{ urlParse "http://[::1/" }}',
    '{{ urlParse "x%zz" }}',
    '{{ urlParse "http://h/%zz" }}',
    '{{ urlParse "http://h/#%zz" }}',
    '{{ urlParse "http://h%41/" }}',
    '{{ urlParse "http://h%C3%A9/" }}',
    '{{ urlParse "http://us er@h/" }}',
    '{{ urlParse "http://a@b@h/" }}',
    '{{ urlParse "HTTP://H/" }}',
    '{{ urlParse "" }}',
    '{{ urlParse "*" }}',
    '{{ urlParse "?" }}',
    '{{ urlParse "http://h/?" }}',
    '{{ urlParse "http://h/a?b?" }}',
    '{{ urlParse "///x" }}',
    '{{ urlParse "1http://h" }}',
    '{{ urlParse "this:that" }}',
    '{{ urlParse "./this:that" }}',
    '{{ urlParse "http://h/a+b%2Fc" }}',
    '{{ urlParse "http://h/é" }}',
    '{{ urlParse .s }}',
    '{{ urlParse 1 }}',
    '{{ urlParse .n }}',
    '{{ (urlParse "https://github.com/argoproj/argo-cd.git").hostname }}',
    '{{ urlJoin (dict "scheme" "https" "host" "example.com" "path" "/a b/c?" "query" "x=1" "fragment" "f g") }}',
    '{{ urlJoin (dict "scheme" "file") }}',
    '{{ urlJoin (dict "scheme" "file" "path" "/x") }}',
    '{{ urlJoin (dict "host" "h" "path" "x") }}',
    '{{ urlJoin (dict "path" "a:b") }}',
    '{{ urlJoin (dict "opaque" "o" "scheme" "s" "path" "p") }}',
    '{{ urlJoin (dict "userinfo" "u:p@x" "host" "h") }}',
    '{{ urlJoin (dict "userinfo" "u:p" "host" "h") }}',
    '{{ urlJoin (dict "userinfo" "u" "host" "h") }}',
    '{{ urlJoin (dict "userinfo" "u p" "host" "h") }}',
    '{{ urlJoin (dict "host" 1) }}',
    '{{ urlJoin (dict "host" .n) }}',
    '{{ urlJoin (dict "host" (list 1)) }}',
    '{{ urlJoin (dict "host" nil) }}',
    '{{ urlJoin (dict "host" "ho st/é") }}',
    '{{ urlJoin (dict "fragment" "a!b(c)*d#e") }}',
    '{{ urlJoin (dict) }}',
    '{{ urlJoin "x" }}',
    '{{ urlJoin .map }}',
    '{{ urlJoin .nil }}',
    '{{ urlJoin nil }}',
    '{{ urlJoin .missing }}',
]

DATE_SEMVER_URL_EXTRA = [
    # Times with fixed offsets compare unequal: each parse makes its own zone.
    '{{ eq (toDate "2006-01-02T15:04:05Z07:00" "2024-05-01T10:00:00+02:00") (toDate "2006-01-02T15:04:05Z07:00" "2024-05-01T10:00:00+02:00") }}',
    '{{ $t := toDate "2006-01-02" "2024-05-01" }}{{ $t.Year }}-{{ $t.Month }}-{{ $t.Day }} {{ $t.YearDay }} {{ $t.IsZero }} {{ $t.UnixMilli }}',
    '{{ (toDate "2006-01-02" "x").IsZero }} {{ (toDate "2006-01-02" "x").Year }} {{ toDate "2006-01-02" "x" | unixEpoch }}',
    '{{ range $i, $d := list "2024-01-31" "2023-12-31" "1999-03-01" }}{{ $t := toDate "2006-01-02" $d }}{{ date "Mon 2 Jan 2006 (002)" $t }};{{ end }}',
    '{{ toDate "2006-01-02" .date }}', '{{ toDate "2006-01-02" .date | date "02/01/06" }}',
    '{{ date 1 0 }}', '{{ date "2006" }}', '{{ dateInZone "2006" 0 1 }}',
    '{{ htmlDateInZone 0 "Local" }}', '{{ htmlDateInZone 0 "Etc/Zulu" }}', '{{ htmlDateInZone 0 "utc" }}', '{{ htmlDateInZone 0 "../x" }}',
    '{{ dateInZone "15:04 MST" 0 "Etc/GMT-14" }}', '{{ dateInZone "15:04 MST" 0 "Etc/GMT+12" }}', '{{ dateInZone "15:04 MST" 0 "Etc/GMT+13" }}',
    '{{ dateInZone "15:04 MST" 0 "Nowhere" }}', '{{ dateInZone "15:04 MST" 0 "GMT0" }}', '{{ htmlDateInZone 0 nil }}', '{{ toDate "2006-01-02" .date | dateModify "25h" | htmlDate }}',
    '{{ durationRound "1h" }} {{ durationRound "61s" }} {{ durationRound "86401s" }} {{ durationRound "2592001s" }} {{ durationRound "31536001s" }}',
    '{{ durationRound "-0s" }} {{ durationRound "1.000000001s" }} {{ durationRound "1us" }} {{ durationRound "9223372036854775807ns" }}',
    '{{ duration "1" }} {{ duration "59" }} {{ duration "60" }} {{ duration "86400" }} {{ duration "-3661" }} {{ duration "1e3" }} {{ duration " 1" }}',
    '{{ duration "+7" }} {{ duration "0x10" }} {{ duration "9223372036854775807" }} {{ duration "-9223372036854775808" }}',
    '{{ semver .version }}', '{{ (semver .version).Prerelease }}', '{{ semverCompare ">=1.2.0" .version }}',
    '{{ if semverCompare "^1.0.0" (semver .version).Original }}new{{ else }}old{{ end }}',
    '{{ (urlParse .repo).host }} {{ (urlParse .repo).path | base }} {{ (urlParse .repo).scheme }}',
    '{{ $u := urlParse .repo }}{{ $_ := set $u "path" "/x" }}{{ urlJoin $u }}',
    '{{ urlParse "https://h/p" | toJson }}', '{{ urlParse "https://h/p" | keys | sortAlpha | join "," }}',
    '{{ randBytes 0 }}', '{{ randBytes -1 }}', '{{ randBytes "x" }}', '{{ randBytes 12 | len }}',
]

DATE_SEMVER_URL_FUNCS = """date dateInZone date_in_zone htmlDate htmlDateInZone toDate mustToDate dateModify date_modify
mustDateModify must_date_modify duration durationRound unixEpoch semver semverCompare urlParse urlJoin""".split()

DATE_SEMVER_URL_ARGS = ['"2006-01-02"', '"2024-05-01"', '"1h"', '"-90m"', '"bad"', '""', '"UTC"', '"Local"', '0',
                        '1700000000', '(int64 86400)', '2.5', 'nil', '.nil', '.missing', '.name', '.map', '.list',
                        '(toDate "2006-01-02" "2024-05-01")',
                        '(toDate "2006-01-02T15:04:05Z07:00" "2024-05-01T01:02:03-07:00")',
                        '"1.2.3"', '"^1.2"', '(semver "1.2.3-rc.1")', '"https://u@h:1/p?q#f"', '(dict "host" "h")',
                        'true', '"3661"']


# Where the date functions take the time (an `interface{}`): any value that is not a
# time or an int makes Sprig read the clock, which would make the corpus depend on when
# it was recorded, so only these go there.
DATE_ARG_POSITION = {"date": 1, "dateInZone": 1, "date_in_zone": 1, "htmlDate": 0, "htmlDateInZone": 0}
DATE_ARGS = ['0', '1700000000', '(int64 86400)', '(int64 -1)', '(toDate "2006-01-02" "2024-05-01")',
             '(toDate "2006-01-02T15:04:05Z07:00" "2024-05-01T01:02:03-07:00")', '(toDate "2006" "x")']
ARITY = {"date": 2, "dateInZone": 3, "date_in_zone": 3, "htmlDate": 1, "htmlDateInZone": 2}


def date_semver_url(count):
    """The date, semver and url functions: hand-written cases, then random arguments
    drawn with a generator of their own, so that the other sections stay as they were.
    Nothing here may depend on the clock: `now` and `ago` read the oracle's real clock,
    and so do the `date` functions given something else than a time or an int, and
    `durationRound` given a time."""
    rng = random.Random(20240612)
    out = list(DATE_SEMVER_URL_HAND) + DATE_SEMVER_URL_EXTRA
    for _ in range(count):
        fn = rng.choice(DATE_SEMVER_URL_FUNCS)
        pool = DATE_SEMVER_URL_ARGS
        if fn == "durationRound":
            pool = [a for a in pool if "toDate" not in a and "semver" not in a]
        args = [rng.choice(pool) for _ in range(rng.randint(0, 3))]
        if fn in DATE_ARG_POSITION and len(args) == ARITY[fn]:
            args[DATE_ARG_POSITION[fn]] = rng.choice(DATE_ARGS)
        if args and rng.random() < 0.3:
            out.append("{{ %s | %s %s }}" % (args[-1], fn, " ".join(args[:-1])))
        else:
            out.append("{{ %s %s }}" % (fn, " ".join(args)))
    return out


# ApplicationSet-style templates: parameter sets shaped like the generators' output
# and fields written the way ApplicationSets write them (names, namespaces, paths,
# helm values, labels). The agreement on this suite is the number the README quotes.
APPSET_PARAMS = {
    "cluster": {"name": "prod-eu-west-1", "nameNormalized": "prod-eu-west-1",
                "server": "https://10.0.12.7:6443", "project": "",
                "metadata": {"labels": {"argocd.argoproj.io/secret-type": "cluster", "env": "prod",
                                        "region": "eu-west-1", "tier": "k8s2"},
                             "annotations": {"team": "Platform_Team"}}},
    "gitdir": {"path": {"path": "apps/team-a/metrics-server", "basename": "metrics-server",
                        "basenameNormalized": "metrics-server",
                        "segments": ["apps", "team-a", "metrics-server"]}},
    "gitfile": {"cluster": {"name": "k8s-01", "address": "https://k8s-01.example.com", "replicas": 3,
                            "enabled": True},
                "appName": "LogShipper2Loki", "version": "1.4.0", "values": {"image": {"tag": "v2"}},
                "path": {"path": "clusters/k8s-01", "basename": "k8s-01", "filename": "config.json",
                         "basenameNormalized": "k8s-01", "filenameNormalized": "config.json",
                         "segments": ["clusters", "k8s-01"]}},
    "list": {"name": "ingress-nginx", "namespace": "ingress", "chart": "ingress-nginx", "version": "4.10.0",
             "replicas": 2, "env": "staging", "values": {"hpa": True, "port": 8080}},
    "scm": {"organization": "acme", "repository": "Payments_API", "repository_id": 123456,
            "url": "https://github.com/acme/Payments_API.git", "branch": "feature/JIRA-42_fix-k8s",
            "branchNormalized": "feature-jira-42-fix-k8s", "sha": "0123456789abcdef0123456789abcdef01234567",
            "short_sha": "01234567", "short_sha_7": "0123456", "labels": "team-a,prod"},
    "pr": {"number": "1234", "title": "Bump chart to 2.0", "branch": "renovate/chart-2.x",
           "branch_slug": "renovate-chart-2-x", "target_branch": "main", "target_branch_slug": "main",
           "head_sha": "89abcdef0123456789abcdef0123456789abcdef", "head_short_sha": "89abcdef",
           "head_short_sha_7": "89abcde", "author": "renovate[bot]", "labels": ["preview", "team-b"]},
    "matrix": {"name": "in-cluster", "server": "https://kubernetes.default.svc", "nameNormalized": "in-cluster",
               "metadata": {"labels": {"env": "dev"}},
               "path": {"path": "infra/cert-manager", "basename": "cert-manager",
                        "basenameNormalized": "cert-manager", "segments": ["infra", "cert-manager"]},
               "values": {"revision": "HEAD", "namespace": "cert-manager"}},
}


def appset_fields(value, prefix=""):
    """Every path into a parameter set as (`.a.b`, value)."""
    out = [(prefix or ".", value)]
    if isinstance(value, dict):
        for key, item in value.items():
            if key.replace("_", "a").isalnum() and not key[0].isdigit():
                out += appset_fields(item, prefix + "." + key)
    return out


def appset_style(count):
    """Random ApplicationSet-style templates: a few actions joined by name separators,
    each a field of the parameter set piped through functions that suit its type (and
    now and then one that does not, or a missing key), or a control structure."""
    rng = random.Random(20261203)
    string_funcs = ["lower", "upper", "title", "trim", "normalize", "snakecase", "kebabcase", "camelcase",
                    "quote", "squote", "b64enc", "sha256sum", "toString", "nospace", "initials",
                    "trunc 8", "trunc 63", "trunc -3", "replace \"/\" \"-\"", "replace \"_\" \"-\"",
                    "trimPrefix \"apps/\"", "trimSuffix \"-\"", "trimAll \"-\"", "default \"none\"",
                    "regexReplaceAll \"[^a-z0-9-]\" \"-\"", "regexFind \"[0-9]+\"", "substr 0 5",
                    "printf \"%s-app\"", "printf \"%v\"", "splitList \"/\" | last", "splitList \"-\" | first",
                    "base", "dir", "ext", "clean", "urlquery", "contains \"k8s\" | toString",
                    "hasPrefix \"feature/\" | toString", "abbrev 10", "repeat 2", "indent 2", "nindent 4",
                    "wrap 5", "sha1sum | trunc 7", "lower | replace \".\" \"-\"", "swapcase", "untitle",
                    "regexReplaceAll \"(\\\\w+)-(\\\\d+)\" \"${2}_${1}\"", "splitn \"-\" 2 | toJson",
                    "cat \"x\"", "len | toString", "toJson", "quote | upper"]
    odd_funcs = ["atoi", "int", "float64", "add1", "toYaml", "fromYaml", "typeOf", "kindOf", "empty", "not",
                 "len", "urlParse", "semver"]
    any_funcs = ["toJson", "toYaml", "toRawJson", "typeOf", "default \"x\"", "toString", "empty", "kindOf",
                 "printf \"%v\"", "print", "quote"]
    list_funcs = ["join \",\"", "first", "last", "len", "uniq | toJson", "compact | toJson", "sortAlpha | toJson",
                  "reverse | join \"-\"", "toStrings | toJson", "has \"prod\"", "rest | toJson", "initial | toJson",
                  "without \"apps\" | toJson", "last | upper", "index 0", "toJson"]
    map_funcs = ["toJson", "toYaml", "keys | sortAlpha | join \",\"", "len", "values | len", "hasKey \"name\"",
                 "dig \"image\" \"tag\" \"latest\"", "deepCopy | toJson", "pick \"name\" \"env\" | toJson",
                 "omit \"name\" | toJson", "get \"env\"", "toPrettyJson"]
    seps = ["-", "/", "", ".", "_", " "]
    out = []
    names = sorted(APPSET_PARAMS)
    for _ in range(count):
        set_name = rng.choice(names)
        params = APPSET_PARAMS[set_name]
        all_fields = appset_fields(params)
        leaves = [(f, v) for f, v in all_fields if not isinstance(v, (dict, list))]
        containers = [(f, v) for f, v in all_fields if isinstance(v, (dict, list))]
        pieces = []
        for _ in range(rng.randint(1, 4)):
            roll = rng.random()
            if roll < 0.04:
                field, value = rng.choice([".missing", ".metadata.labels.nope", ".values.nope"]), None
            elif roll < 0.75:
                field, value = rng.choice(leaves)
            else:
                field, value = rng.choice(all_fields)
            if isinstance(value, str):
                pool = string_funcs
            elif isinstance(value, list):
                pool = list_funcs
            elif isinstance(value, dict):
                pool = map_funcs
            else:
                pool = any_funcs
            chain = [field]
            for _ in range(rng.randint(0, 2)):
                if rng.random() < 0.05:
                    chain.append(rng.choice(odd_funcs))
                else:
                    chain.append(rng.choice(pool))
                    pool = string_funcs if pool in (string_funcs, any_funcs) else any_funcs
            pipe = " | ".join(chain)
            other = rng.choice(leaves)[0]
            container, items = rng.choice(containers)
            if rng.random() < 0.1:
                container, items = field, value
            shape = rng.random()
            if shape < 0.60:
                pieces.append("{{ %s }}" % pipe)
            elif shape < 0.65:
                pieces.append("{{- %s -}}" % pipe)
            elif shape < 0.73:
                cond = rng.choice(["eq (toString %s) \"prod\"" % field, "ne (toString %s) \"\"" % field, field,
                                   "not %s" % field, "hasKey . \"%s\"" % field.strip(".").split(".")[0],
                                   "and %s %s" % (field, other), "or .missing %s" % field,
                                   "contains \"k8s\" (toString %s)" % field])
                pieces.append("{{ if %s }}%s{{ else }}no{{ end }}" % (cond, rng.choice(["yes", "{{ %s }}" % other])))
            elif shape < 0.79:
                pieces.append("{{ range $k, $v := %s }}{{ $k }}={{ $v }};{{ end }}" % container)
            elif shape < 0.83:
                pieces.append("{{ range $i, $v := %s }}{{ if $i }},{{ end }}{{ $v }}{{ end }}" % container)
            elif shape < 0.86:
                n = rng.choice(["3", "0", "(len %s)" % field, "(int \"2\")", "(until 2 | len)", "-1"])
                pieces.append("{{ range %s }}{{ . }}{{ end }}" % n)
            elif shape < 0.90:
                pieces.append("{{ with %s }}{{ . }}{{ else }}none{{ end }}" % pipe)
            elif shape < 0.93:
                keys = ["0", "1", "5", "-1"] if isinstance(items, list) else ["\"name\"", "\"env\"", "\"path\""]
                pieces.append("{{ index %s %s }}" % (container, rng.choice(keys)))
            elif shape < 0.96:
                pieces.append("{{ $x := %s }}{{ $x }}" % pipe)
            else:
                pieces.append(rng.choice(["{{ printf \"%%s-%%v\" %s %s }}" % (field, other),
                                          "{{ ternary \"a\" \"b\" (eq (toString %s) \"x\") }}" % field,
                                          "{{ coalesce %s \"fallback\" }}" % field,
                                          "{{ list %s %s | toJson }}" % (field, other),
                                          "{{ dict \"k\" %s | toYaml }}" % field]))
        template = rng.choice(seps).join(pieces)
        options = rng.choice([[], [], [], ["missingkey=error"], ["missingkey=zero"]])
        out.append((template, set_name, options))
    # Hand-written ApplicationSet-style cases for the known version differences.
    for text in ["k8s", "K8sCluster", "abc123def", "Bld4Floor3rd", "http2xx", "HTTP20xOK", "ABC_123_DEF",
                 "prod-eu-west-1", "app_v2_beta", "LogShipper2Loki", "team-a/metrics-server", "v1.2.3-rc1",
                 "IPv6Enabled", "ID42x", "x9", "9x", "a-1-b", "HTTPServer", "  spaced  Out ", "über2Straße"]:
        for fn in ["snakecase", "kebabcase"]:
            out.append(("{{ %s %s }}" % (fn, json.dumps(text)), "list", []))
    for text in ["{{ range 3 }}{{ . }}{{ end }}", "{{ range $i := 2 }}{{ $i }}{{ end }}",
                 "{{ range 0 }}x{{ else }}none{{ end }}", "{{ range -2 }}x{{ else }}neg{{ end }}",
                 "{{ range $i, $v := 3 }}{{ end }}", "{{ range .replicas }}x{{ end }}",
                 "{{ range int .replicas }}{{ . }}{{ end }}", "{{ range len .name }}{{ break }}{{ end }}",
                 "{{ range 5 }}{{ if eq . 2 }}{{ continue }}{{ end }}{{ . }}{{ end }}",
                 "{{ range (int64 2) }}{{ typeOf . }}{{ end }}"]:
        out.append((text, "list", []))
    return out


def main():
    oracle, version = sys.argv[1], sys.argv[2]
    rng = random.Random(20240611)
    templates = hand_written() + function_cases() + more_hand_written()
    gen = generated(rng, 1500)
    templates += gen
    templates += broken(rng, hand_written() + function_cases() + gen, 1200)
    templates += combinatorial(rng, 3000)
    templates += soup(rng, 2500)
    templates += date_semver_url(600)
    cases = []
    seen = set()
    for tpl in templates:
        options = []
        key = (tpl, "")
        if key in seen:
            continue
        seen.add(key)
        cases.append({"template": tpl, "params": PARAMS, "options": options})
    # Option variants for the field-access cases.
    for tpl in ["{{ .missing }}", "{{ .missing.x }}", "{{ .map.zz }}", "{{ .nil }}", "{{ .name }}",
                "{{ .nil.x }}", "{{ index .missing \"a\" }}", "{{ .missing | upper }}", "{{ len .missing }}",
                "{{ with .missing }}x{{ end }}", "{{ range .missing }}x{{ end }}", "{{ (split \"/\" .path)._1 }}",
                "{{ $x := .missing }}{{ $x.y }}", "{{ define \"t\" }}{{ .q }}{{ end }}{{ template \"t\" . }}",
                "{{ index .map \"zz\" }}", "{{ (split \"/\" .path)._9 }}", "{{ .values.nope.x }}",
                "{{ range .items }}{{ .nope }}{{ end }}", "{{ .missing | default \"d\" }}", "{{ $.missing }}"]:
        for options in OPTION_SETS[1:] + [["missingkey=bogus"], ["foo"], [""]]:
            cases.append({"template": tpl, "params": PARAMS, "options": options})
    # Empty and odd parameter sets.
    for tpl in ["{{ . }}", "{{ .a }}", "{{ .a.b }}", "{{ len . }}", "{{ range . }}x{{ end }}", "{{ toJson . }}"]:
        cases.append({"template": tpl, "params": {}, "options": []})
    odd = {"big": 1e21, "small": 1e-7, "negzero": -0.0, "int": 12345678, "float": 0.1, "sum": 0.30000000000000004,
           "max": 9007199254740993, "deep": {"a": {"b": {"c": [1, {"d": None}]}}}, "unicode": "日本語",
           "k.with.dots": "dots", "k-dash": "dash", "": "emptykey"}
    for tpl in ["{{ .big }} {{ .small }} {{ .negzero }} {{ .int }} {{ .float }} {{ .sum }} {{ .max }}",
                "{{ .deep }}", "{{ .deep.a.b.c }}", "{{ toJson . }}", "{{ toYaml . }}", "{{ index . \"k.with.dots\" }}",
                "{{ .k-dash }}", "{{ index . \"\" }}", "{{ .unicode | upper }} {{ len .unicode }} {{ trunc 2 .unicode }}",
                "{{ range $k, $v := . }}{{ $k }};{{ end }}", "{{ printf \"%v %.2f %e\" .int .float .big }}"]:
        cases.append({"template": tpl, "params": odd, "options": []})
    for tpl, set_name, options in appset_style(2500):
        key = (tpl, set_name, tuple(options))
        if key in seen:
            continue
        seen.add(key)
        cases.append({"template": tpl, "params": APPSET_PARAMS[set_name], "paramSet": set_name,
                      "options": options, "suite": "appset"})
    for i, case in enumerate(cases):
        case["id"] = i
    lines = "\n".join(json.dumps(c, ensure_ascii=False) for c in cases) + "\n"
    result = subprocess.run([oracle], input=lines.encode(), capture_output=True, check=True)
    answers = [json.loads(l) for l in result.stdout.decode().splitlines() if l.strip()]
    assert len(answers) == len(cases), (len(answers), len(cases))
    out_path = HERE / "cases.jsonl"
    with out_path.open("w") as out:
        out.write(json.dumps({"oracle": version, "params": PARAMS, "paramSets": APPSET_PARAMS},
                             ensure_ascii=False) + "\n")
        for case, answer in zip(cases, answers):
            record = {"id": case["id"], "template": case["template"]}
            if "paramSet" in case:
                record["paramSet"] = case["paramSet"]
                record["suite"] = case["suite"]
            elif case["params"] is not PARAMS:
                record["params"] = case["params"]
            if case["options"]:
                record["options"] = case["options"]
            if "output" in answer:
                record["output"] = answer["output"]
            else:
                record["error"] = answer["error"]
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"wrote {len(cases)} cases to {out_path}")


if __name__ == "__main__":
    main()
