# bash completion for sandboxctl(1)                        -*- shell-script -*-
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The verb list below must follow the verbs[] table in src/ctl/sandboxctl.c
# and each verb's options its getopt table (src/ctl/verb-*.c);
# tests/unit/test-completions.sh compares them.
#
# Unit and policy arguments without a '/' are names looked up in the search
# path, so a file is only offered as a path: once the word contains a '/'
# (./web.unit), never as a bare "web.unit" that would name another unit.

__sandboxctl_dirs() {  # units|policies: the search path, one directory a line
        local kind=$1 var=SANDBOXD_UNIT_PATH d
        local -a dirs

        [[ $kind == policies ]] && var=SANDBOXD_POLICY_PATH
        if [[ -n ${!var+set} ]]; then
                # As src/unit/search-path.c: only the variable's absolute entries.
                IFS=: read -r -a dirs <<<"${!var}"
                for d in "${dirs[@]}"; do
                        [[ $d == /* ]] && printf '%s\n' "$d"
                done
        else
                printf '%s\n' "/etc/sandboxd/$kind" "/run/sandboxd/$kind" "/usr/lib/sandboxd/$kind"
        fi
}

__sandboxctl_names() {  # units|policies SUFFIX: names in the search path, without SUFFIX
        local kind=$1 suffix=$2 d f n

        while IFS= read -r d; do
                for f in "$d"/*"$suffix"; do
                        [[ -e $f ]] || continue
                        n=${f##*/}
                        n=${n%"$suffix"}
                        [[ $n =~ ^[A-Za-z0-9_@-][A-Za-z0-9_.@-]*$ ]] && printf '%s\n' "$n"
                done
        done < <(__sandboxctl_dirs "$kind") | sort -u
}

# Adds the words of $1 (one a line) that start with $cur to COMPREPLY.
__sandboxctl_add() {
        local w
        while IFS= read -r w; do
                [[ -n $w && $w == "$cur"* ]] && COMPREPLY+=("$w")
        done <<<"$1"
}

# Adds paths: directories, and files whose name ends in one of the
# suffixes given (none: every file).
__sandboxctl_add_paths() {
        local f s ok
        local -a found

        mapfile -t found < <(compgen -f -- "$cur")
        for f in "${found[@]}"; do
                if [[ -d $f ]]; then
                        COMPREPLY+=("$f/")
                        continue
                fi
                ok=$(( $# == 0 ))
                for s in "$@"; do
                        [[ $f == *"$s" ]] && ok=1
                done
                (( ok )) && COMPREPLY+=("$f")
        done
        # Outside of a completion (tests), compopt is not available.
        compopt -o filenames -o nospace 2>/dev/null
}

__sandboxctl_is_path() {
        [[ $cur == */* || $cur == .* || $cur == '~'* ]]
}

__sandboxctl_units() {
        if __sandboxctl_is_path; then
                __sandboxctl_add_paths .unit
        else
                __sandboxctl_add "$(__sandboxctl_names units .unit)"
        fi
}

__sandboxctl_policies() {
        if __sandboxctl_is_path; then
                __sandboxctl_add_paths .policy
        else
                __sandboxctl_add "$(__sandboxctl_names policies .policy)"
        fi
}

# Names of the services sandboxd knows (running only, with "running"),
# from the sandboxctl being completed; nothing when sandboxd is not there.
__sandboxctl_services() {
        local c=$cmd
        type -P "$c" >/dev/null 2>&1 || c=sandboxctl
        "$c" list --no-legend 2>/dev/null |
                awk -v only="${1:-}" 'only == "" || $2 == only { print $1 }'
}

_sandboxctl() {
        local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
        local verbs="check plan analyze policy run image start stop restart status list logs exec enable disable reset-failed daemon-reload"
        local cmd=${COMP_WORDS[0]} verb="" i vi=0 w
        local -a args=()

        COMPREPLY=()

        # The verb is the first word that is not an option; the words after
        # it that are not options are its arguments.
        for ((i = 1; i < COMP_CWORD; i++)); do
                w=${COMP_WORDS[i]}
                if [[ -z $verb ]]; then
                        [[ $w != -* ]] && verb=$w vi=$i
                elif [[ $w != -* && $w != = && ${COMP_WORDS[i - 1]} != @(--from-json|-n|--lines|--since|--threshold|-u|--user|-w|--workdir|-e|--env|=) ]]; then
                        args+=("$w")
                fi
        done

        if [[ -z $verb ]]; then
                if [[ $cur == -* ]]; then
                        __sandboxctl_add $'-h\n--help\n--version\n--log-level='
                else
                        __sandboxctl_add "${verbs// /$'\n'}"
                fi
                return 0
        fi

        case $verb in
        check)
                if [[ $cur == -* ]]; then
                        __sandboxctl_add $'-q\n--quiet\n-h\n--help'
                elif __sandboxctl_is_path; then
                        __sandboxctl_add_paths .unit .policy
                else
                        __sandboxctl_add "$(__sandboxctl_names units .unit)"
                        __sandboxctl_add "$(__sandboxctl_names policies .policy | sed 's/$/.policy/')"
                fi
                ;;
        plan)
                # "--from-json=FILE" arrives as three words when '=' is in COMP_WORDBREAKS.
                if [[ $prev == --from-json || ( $prev == = && ${COMP_WORDS[COMP_CWORD - 2]} == --from-json ) ]]; then
                        [[ - == "$cur"* ]] && COMPREPLY+=(-)
                        __sandboxctl_add_paths
                elif [[ $cur == --from-json=* ]]; then
                        local pre=--from-json=
                        cur=${cur#"$pre"}
                        __sandboxctl_add_paths
                        COMPREPLY=("${COMPREPLY[@]/#/$pre}")
                elif [[ $cur == -* ]]; then
                        __sandboxctl_add $'--json\n--from-json\n-h\n--help'
                elif [[ " ${COMP_WORDS[*]:vi:COMP_CWORD-vi} " != *" --from-json "* && ${#args[@]} -eq 0 ]]; then
                        __sandboxctl_units
                fi
                ;;
        analyze)
                if [[ $prev == --threshold || ( $prev == = && ${COMP_WORDS[COMP_CWORD - 2]} == --threshold ) ]]; then
                        :
                elif [[ $cur == -* ]]; then
                        __sandboxctl_add $'--threshold\n--json\n-h\n--help'
                else
                        __sandboxctl_units
                fi
                ;;
        policy)
                if [[ $cur == -* && ${args[0]:-} == learn ]]; then
                        __sandboxctl_add $'-h\n--help\n--duration=\n--base=\n-o\n--output=\n--diff\n-t\n--tty\n-T\n--no-tty'
                elif [[ $cur == -* ]]; then
                        __sandboxctl_add $'-h\n--help'
                elif [[ ${args[0]:-} == learn ]]; then
                        __sandboxctl_units
                elif [[ ${#args[@]} -eq 0 ]]; then
                        __sandboxctl_add $'show\ndiff\nlearn\ngroups\noci'
                elif [[ ${#args[@]} -eq 2 && ${args[0]} == diff ]]; then
                        __sandboxctl_policies
                elif [[ ${#args[@]} -eq 1 ]]; then
                        case ${args[0]} in
                        show | oci | diff)
                                __sandboxctl_policies
                                ;;
                        groups)
                                # Ask the sandboxctl being completed: groups are compiled in.
                                type -P "$cmd" >/dev/null 2>&1 || cmd=sandboxctl
                                __sandboxctl_add "$("$cmd" policy groups 2>/dev/null | cut -d' ' -f1)"
                                ;;
                        esac
                fi
                ;;
        run)
                if [[ $cur == -* ]]; then
                        __sandboxctl_add $'-t\n--tty\n-T\n--no-tty\n--raw\n-h\n--help'
                elif [[ ${#args[@]} -eq 0 ]]; then
                        __sandboxctl_units
                fi
                ;;
        image)
                if [[ $cur == -* ]]; then
                        __sandboxctl_add $'--json\n--tls-verify\n-h\n--help'
                elif [[ ${#args[@]} -eq 0 ]]; then
                        __sandboxctl_add $'pull\nimport\nlist\ninspect\nrm\nprune'
                elif [[ ${args[0]} == import && ${#args[@]} -eq 1 ]]; then
                        __sandboxctl_add_paths
                elif [[ ${args[0]} == @(inspect|rm) ]]; then
                        type -P "$cmd" >/dev/null 2>&1 || cmd=sandboxctl
                        __sandboxctl_add "$("$cmd" image list 2>/dev/null | awk 'NR > 1 { print ($2 == "-" ? $1 : $1 ":" $2) }')"
                fi
                ;;
        start | enable)
                if [[ $cur == -* ]]; then
                        __sandboxctl_add $'-h\n--help'
                        [[ $verb == enable ]] && __sandboxctl_add --now
                else
                        __sandboxctl_units
                fi
                ;;
        stop | restart | disable | reset-failed)
                if [[ $cur == -* ]]; then
                        __sandboxctl_add $'-h\n--help'
                        [[ $verb == disable ]] && __sandboxctl_add --now
                else
                        __sandboxctl_add "$(__sandboxctl_services)"
                fi
                ;;
        status)
                if [[ $prev == @(-n|--lines) ]]; then
                        :
                elif [[ $cur == -* ]]; then
                        __sandboxctl_add $'--json\n-n\n--lines\n--raw\n-h\n--help'
                else
                        __sandboxctl_add "$(__sandboxctl_services)"
                fi
                ;;
        list)
                [[ $cur == -* ]] && __sandboxctl_add $'--json\n--no-legend\n-h\n--help'
                ;;
        logs)
                if [[ $prev == @(-n|--lines) ]]; then
                        __sandboxctl_add $'10\n100\nall'
                elif [[ $prev == --since ]]; then
                        __sandboxctl_add $'today\nyesterday\n-1h'
                elif [[ $cur == -* ]]; then
                        __sandboxctl_add $'-f\n--follow\n-n\n--lines\n--since\n--raw\n-h\n--help'
                elif [[ ${#args[@]} -eq 0 ]]; then
                        # Units that ran and are gone have logs too.
                        __sandboxctl_add "$( (__sandboxctl_services; __sandboxctl_names units .unit) | sort -u)"
                fi
                ;;
        exec)
                # After NAME, the words are the command's, inside the sandbox.
                if [[ ${#args[@]} -eq 0 ]]; then
                        if [[ $prev == @(-u|--user|-w|--workdir|-e|--env) ]]; then
                                :
                        elif [[ $cur == -* ]]; then
                                __sandboxctl_add $'-t\n--tty\n-i\n--interactive\n-u\n--user\n-w\n--workdir\n-e\n--env\n-h\n--help'
                        else
                                __sandboxctl_add "$(__sandboxctl_services running)"
                        fi
                fi
                ;;
        daemon-reload)
                [[ $cur == -* ]] && __sandboxctl_add $'-h\n--help'
                ;;
        esac
        return 0
}

complete -F _sandboxctl sandboxctl
