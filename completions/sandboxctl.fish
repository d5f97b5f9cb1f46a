# fish completion for sandboxctl(1)
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The verb list below must follow the verbs[] table in src/ctl/sandboxctl.c
# and each verb's options its getopt table (src/ctl/verb-*.c);
# tests/unit/test-completions.sh compares them.
#
# Unit and policy arguments without a '/' are names looked up in the search
# path, so files are only offered once the token looks like a path.

# The search path of kind (units|policies), as src/unit/search-path.c has it.
function __sandboxctl_dirs -a kind
    set -l var SANDBOXD_UNIT_PATH
    test "$kind" = policies; and set var SANDBOXD_POLICY_PATH
    if set -q $var
        # fish may already have split a *PATH variable at ':'.
        for d in (string split -- : $$var)
            string match -q -- '/*' $d; and echo $d
        end
    else
        printf '%s\n' /etc/sandboxd/$kind /run/sandboxd/$kind /usr/lib/sandboxd/$kind
    end
end

# The verb: the first word after sandboxctl that is not an option. (Not
# __fish_seen_subcommand_from, which would also see a verb in the words of
# `exec web ...`.)
function __sandboxctl_verb
    for w in (commandline -opc)[2..-1]
        string match -q -- '-*' $w; and continue
        echo $w
        return
    end
end

function __sandboxctl_verb_is
    set -l v (__sandboxctl_verb)
    test -n "$v"; and contains -- $v $argv
end

function __sandboxctl_no_verb
    set -l v (__sandboxctl_verb)
    test -z "$v"
end

# Names (without suffix) of the units or policies in the search path.
function __sandboxctl_names -a kind suffix
    for d in (__sandboxctl_dirs $kind)
        for f in $d/*$suffix
            string replace -r -- '^.*/' '' $f | string replace -r -- (string escape --style=regex -- $suffix)'$' ''
        end
    end | string match -r -- '^[A-Za-z0-9_@-][A-Za-z0-9_.@-]*$' | sort -u
end

# Directories, and files ending in one of the suffixes given.
function __sandboxctl_paths
    set -l tok (commandline -ct)
    for f in $tok*
        if test -d $f
            echo $f/
        else
            for s in $argv
                string match -q -- "*$s" $f; and echo $f
            end
        end
    end
end

function __sandboxctl_token_is_path
    string match -q -r -- '^(.*/|\.|~)' (commandline -ct)
end

# The arguments given to the verb so far (words after it that are not options).
function __sandboxctl_args
    set -l words (commandline -opc)
    set -e words[1]
    set -l seen_verb 0
    set -l prev ''
    for w in $words
        if test $seen_verb = 0
            string match -q -- '-*' $w; or set seen_verb 1
        else if not string match -q -- '-*' $w; and not contains -- "$prev" --from-json -n --lines --since
            echo $w
        end
        set prev $w
    end
end

function __sandboxctl_nargs -a n
    test (count (__sandboxctl_args)) -eq $n
end

function __sandboxctl_policy_sub -a sub
    set -l a (__sandboxctl_args)
    test (count $a) -eq 1; and test "$a[1]" = $sub
end

function __sandboxctl_groups
    # Ask the sandboxctl being completed: the groups are compiled into it.
    set -l cmd (commandline -opc)[1]
    command -q $cmd; or set cmd sandboxctl
    command $cmd policy groups 2>/dev/null | string replace -r -- ' .*' ''
end

# Services sandboxd knows (only running ones with "running"), asked of the
# sandboxctl being completed; nothing when sandboxd is not there.
function __sandboxctl_services -a only
    set -l cmd (commandline -opc)[1]
    command -q $cmd; or set cmd sandboxctl
    command $cmd list --no-legend 2>/dev/null | while read -l name state rest
        if test -z "$only"; or test "$state" = "$only"
            echo $name
        end
    end
end

set -l no_verb __sandboxctl_no_verb

complete -c sandboxctl -f
complete -c sandboxctl -n $no_verb -s h -l help -d 'Show help'
complete -c sandboxctl -n $no_verb -l version -d 'Show the version'
complete -c sandboxctl -n $no_verb -l log-level -x -a 'emerg alert crit err warning notice info debug' -d 'The least important message shown'
complete -c sandboxctl -n $no_verb -a check -d 'Compile units and policies, report every problem'
complete -c sandboxctl -n $no_verb -a plan -d 'Show the launch plan of a unit'
complete -c sandboxctl -n $no_verb -a analyze -d "Score how exposed a unit's service would be"
complete -c sandboxctl -n $no_verb -a policy -d 'Show a policy, the syscall groups, or OCI seccomp JSON'
complete -c sandboxctl -n $no_verb -a run -d 'Run a unit in the foreground, in its sandbox'
complete -c sandboxctl -n $no_verb -a image -d 'Pull, import, list, inspect and remove images of the local store'
complete -c sandboxctl -n $no_verb -a start -d 'Start units under sandboxd'
complete -c sandboxctl -n $no_verb -a stop -d 'Stop services'
complete -c sandboxctl -n $no_verb -a restart -d 'Stop services and start them again'
complete -c sandboxctl -n $no_verb -a status -d 'Show the state of services and their last log lines'
complete -c sandboxctl -n $no_verb -a list -d 'List the services sandboxd knows'
complete -c sandboxctl -n $no_verb -a logs -d 'Show the logs of a service'
complete -c sandboxctl -n $no_verb -a exec -d "Run a command inside a running service's sandbox"
complete -c sandboxctl -n $no_verb -a enable -d 'Start units when sandboxd starts'
complete -c sandboxctl -n $no_verb -a disable -d 'Stop starting units when sandboxd starts'
complete -c sandboxctl -n $no_verb -a reset-failed -d 'Reset failed services to inactive'
complete -c sandboxctl -n $no_verb -a daemon-reload -d 'Recompile the units sandboxd knows'

# check [-q] UNIT|POLICY...
complete -c sandboxctl -n '__sandboxctl_verb_is check' -s q -l quiet -d 'Print nothing for units that compile'
complete -c sandboxctl -n '__sandboxctl_verb_is check' -s h -l help -d 'Show help'
complete -c sandboxctl -n '__sandboxctl_verb_is check; and not __sandboxctl_token_is_path' \
    -a '(__sandboxctl_names units .unit)' -d Unit
complete -c sandboxctl -n '__sandboxctl_verb_is check; and not __sandboxctl_token_is_path' \
    -a '(__sandboxctl_names policies .policy | string replace -r -- \'$\' .policy)' -d Policy
complete -c sandboxctl -n '__sandboxctl_verb_is check; and __sandboxctl_token_is_path' \
    -a '(__sandboxctl_paths .unit .policy)'

# plan [--json] UNIT | plan [--json] --from-json FILE
complete -c sandboxctl -n '__sandboxctl_verb_is plan' -l json -d 'Print the plan as JSON'
complete -c sandboxctl -n '__sandboxctl_verb_is plan' -l from-json -r -F -d 'Read a JSON plan (- for stdin)'
complete -c sandboxctl -n '__sandboxctl_verb_is plan' -s h -l help -d 'Show help'
complete -c sandboxctl -n '__sandboxctl_verb_is plan; and __sandboxctl_nargs 0; and not __sandboxctl_token_is_path' \
    -a '(__sandboxctl_names units .unit)' -d Unit
complete -c sandboxctl -n '__sandboxctl_verb_is plan; and __sandboxctl_nargs 0; and __sandboxctl_token_is_path' \
    -a '(__sandboxctl_paths .unit)'

# analyze [--threshold=N] [--json] UNIT...
complete -c sandboxctl -n '__sandboxctl_verb_is analyze' -l threshold -x -d 'Exit 1 if a unit scores above N (0-10)'
complete -c sandboxctl -n '__sandboxctl_verb_is analyze' -l json -d 'Print one JSON object per unit'
complete -c sandboxctl -n '__sandboxctl_verb_is analyze' -s h -l help -d 'Show help'
complete -c sandboxctl -n '__sandboxctl_verb_is analyze; and not __sandboxctl_token_is_path' \
    -a '(__sandboxctl_names units .unit)' -d Unit
complete -c sandboxctl -n '__sandboxctl_verb_is analyze; and __sandboxctl_token_is_path' \
    -a '(__sandboxctl_paths .unit)'

# policy show|oci POLICY, policy diff OLD NEW, policy groups [GROUP]
complete -c sandboxctl -n '__sandboxctl_verb_is policy' -s h -l help -d 'Show help'
complete -c sandboxctl -n '__sandboxctl_verb_is policy; and __sandboxctl_nargs 0' \
    -a show -d "Print a policy's expanded, sorted syscall list"
complete -c sandboxctl -n '__sandboxctl_verb_is policy; and __sandboxctl_nargs 0' \
    -a diff -d 'What changes from one policy to another, + and -'
complete -c sandboxctl -n '__sandboxctl_verb_is policy; and __sandboxctl_nargs 0' \
    -a learn -d 'Run a unit, then write a policy that allows what it used'
complete -c sandboxctl -n '__sandboxctl_verb_is policy; and __fish_seen_subcommand_from learn' -l duration -r -d 'learn: stop the service after SEC'
complete -c sandboxctl -n '__sandboxctl_verb_is policy; and __fish_seen_subcommand_from learn' -l base -r -d 'learn: the base policy'
complete -c sandboxctl -n '__sandboxctl_verb_is policy; and __fish_seen_subcommand_from learn' -s o -l output -r -F -d 'learn: write the policy to FILE'
complete -c sandboxctl -n '__sandboxctl_verb_is policy; and __fish_seen_subcommand_from learn' -l diff -d 'learn: print the change against the unit\'s policy'
complete -c sandboxctl -n '__sandboxctl_verb_is policy; and __sandboxctl_nargs 0' \
    -a groups -d 'List the syscall groups, or the syscalls of one'
complete -c sandboxctl -n '__sandboxctl_verb_is policy; and __sandboxctl_nargs 0' \
    -a oci -d "Print the policy as an OCI linux.seccomp object"
function __sandboxctl_policy_diff_arg
    set -l a (__sandboxctl_args)
    test "$a[1]" = diff; and test (count $a) -le 2
end
complete -c sandboxctl -n "__sandboxctl_verb_is policy; and __sandboxctl_policy_diff_arg; and not __sandboxctl_token_is_path" \
    -a '(__sandboxctl_names policies .policy)' -d Policy
complete -c sandboxctl -n "__sandboxctl_verb_is policy; and __sandboxctl_policy_diff_arg; and __sandboxctl_token_is_path" \
    -a '(__sandboxctl_paths .policy)'
for sub in show oci
    complete -c sandboxctl -n "__sandboxctl_verb_is policy; and __sandboxctl_policy_sub $sub; and not __sandboxctl_token_is_path" \
        -a '(__sandboxctl_names policies .policy)' -d Policy
    complete -c sandboxctl -n "__sandboxctl_verb_is policy; and __sandboxctl_policy_sub $sub; and __sandboxctl_token_is_path" \
        -a '(__sandboxctl_paths .policy)'
end
complete -c sandboxctl -n '__sandboxctl_verb_is policy; and __sandboxctl_policy_sub groups' \
    -a '(__sandboxctl_groups)' -d 'Syscall group'

# run UNIT
complete -c sandboxctl -n '__sandboxctl_verb_is run' -s h -l help -d 'Show help'
complete -c sandboxctl -n '__sandboxctl_verb_is run' -s t -l tty -d 'A terminal inside the sandbox'
complete -c sandboxctl -n '__sandboxctl_verb_is run' -s T -l no-tty -d 'Pipes, even on a terminal'
complete -c sandboxctl -n '__sandboxctl_verb_is run' -l raw -d 'Write the output unescaped, also to a terminal'
complete -c sandboxctl -n '__sandboxctl_verb_is run; and __sandboxctl_nargs 0; and not __sandboxctl_token_is_path' \
    -a '(__sandboxctl_names units .unit)' -d Unit
complete -c sandboxctl -n '__sandboxctl_verb_is run; and __sandboxctl_nargs 0; and __sandboxctl_token_is_path' \
    -a '(__sandboxctl_paths .unit)'

# image pull|import|list|inspect|rm|prune
complete -c sandboxctl -n '__sandboxctl_verb_is image' -s h -l help -d 'Show help'
complete -c sandboxctl -n '__sandboxctl_verb_is image' -l json -d 'Print JSON'
complete -c sandboxctl -n '__sandboxctl_verb_is image' -l tls-verify -x -a 'true false' -d 'Check certificates (false: plain http too)'
complete -c sandboxctl -n '__sandboxctl_verb_is image; and __sandboxctl_nargs 0' -a pull -d 'Pull an image from a registry'
complete -c sandboxctl -n '__sandboxctl_verb_is image; and __sandboxctl_nargs 0' -a import -d 'Import an OCI layout or archive, or docker save output'
complete -c sandboxctl -n '__sandboxctl_verb_is image; and __sandboxctl_nargs 0' -a list -d 'List the images of the store'
complete -c sandboxctl -n '__sandboxctl_verb_is image; and __sandboxctl_nargs 0' -a inspect -d "Show an image's manifest, config and layers"
complete -c sandboxctl -n '__sandboxctl_verb_is image; and __sandboxctl_nargs 0' -a rm -d 'Remove an image'
complete -c sandboxctl -n '__sandboxctl_verb_is image; and __sandboxctl_nargs 0' -a prune -d 'Remove what no name and no service uses'

# start|enable [--now] UNIT...
for v in start enable
    complete -c sandboxctl -n "__sandboxctl_verb_is $v" -s h -l help -d 'Show help'
    complete -c sandboxctl -n "__sandboxctl_verb_is $v; and not __sandboxctl_token_is_path" \
        -a '(__sandboxctl_names units .unit)' -d Unit
    complete -c sandboxctl -n "__sandboxctl_verb_is $v; and __sandboxctl_token_is_path" \
        -a '(__sandboxctl_paths .unit)'
end
complete -c sandboxctl -n '__sandboxctl_verb_is enable' -l now -d 'Start the units too'

# stop|restart|disable|reset-failed NAME...
for v in stop restart disable reset-failed
    complete -c sandboxctl -n "__sandboxctl_verb_is $v" -s h -l help -d 'Show help'
    complete -c sandboxctl -n "__sandboxctl_verb_is $v" -a '(__sandboxctl_services)' -d Service
end
complete -c sandboxctl -n '__sandboxctl_verb_is disable' -l now -d 'Stop the services too'

# status [--json] [-n N] NAME...
complete -c sandboxctl -n '__sandboxctl_verb_is status' -l json -d 'Print JSON objects keyed by property name'
complete -c sandboxctl -n '__sandboxctl_verb_is status' -s n -l lines -x -d 'Show the last N log lines'
complete -c sandboxctl -n '__sandboxctl_verb_is status' -l raw -d 'Write the log lines unescaped'
complete -c sandboxctl -n '__sandboxctl_verb_is status' -s h -l help -d 'Show help'
complete -c sandboxctl -n '__sandboxctl_verb_is status' -a '(__sandboxctl_services)' -d Service

# list [--json|--no-legend]
complete -c sandboxctl -n '__sandboxctl_verb_is list' -l json -d 'Print a JSON array'
complete -c sandboxctl -n '__sandboxctl_verb_is list' -l no-legend -d 'Leave out the header and the footer'
complete -c sandboxctl -n '__sandboxctl_verb_is list' -s h -l help -d 'Show help'

# logs [-f] [-n N] [--since TIME] NAME
complete -c sandboxctl -n '__sandboxctl_verb_is logs' -s f -l follow -d 'Wait for new lines'
complete -c sandboxctl -n '__sandboxctl_verb_is logs' -s n -l lines -x -a 'all' -d 'Show the last N lines'
complete -c sandboxctl -n '__sandboxctl_verb_is logs' -l since -x -a 'today yesterday -1h' -d 'Show entries from TIME on'
complete -c sandboxctl -n '__sandboxctl_verb_is logs' -l raw -d 'Write the output unescaped'
complete -c sandboxctl -n '__sandboxctl_verb_is logs' -s h -l help -d 'Show help'
complete -c sandboxctl -n '__sandboxctl_verb_is logs; and __sandboxctl_nargs 0' \
    -a '(begin; __sandboxctl_services; __sandboxctl_names units .unit; end | sort -u)' -d Service

# exec NAME COMMAND...: after NAME the words are the command's
complete -c sandboxctl -n '__sandboxctl_verb_is exec; and __sandboxctl_nargs 0' -s h -l help -d 'Show help'
complete -c sandboxctl -n '__sandboxctl_verb_is exec; and __sandboxctl_nargs 0' -s t -l tty -d 'A terminal inside the sandbox'
complete -c sandboxctl -n '__sandboxctl_verb_is exec; and __sandboxctl_nargs 0' -s i -l interactive -d 'Pass stdin on'
complete -c sandboxctl -n '__sandboxctl_verb_is exec; and __sandboxctl_nargs 0' -s u -l user -x -d 'Run as USER[:GROUP]'
complete -c sandboxctl -n '__sandboxctl_verb_is exec; and __sandboxctl_nargs 0' -s w -l workdir -x -d 'Start in DIR'
complete -c sandboxctl -n '__sandboxctl_verb_is exec; and __sandboxctl_nargs 0' -s e -l env -x -d 'Set NAME=VALUE'
complete -c sandboxctl -n '__sandboxctl_verb_is exec; and __sandboxctl_nargs 0' \
    -a '(__sandboxctl_services running)' -d 'Running service'

# daemon-reload
complete -c sandboxctl -n '__sandboxctl_verb_is daemon-reload' -s h -l help -d 'Show help'
