#!/bin/sh
# Build the example residentlog ledger: a fictional resident's evidence from 2019 to 2021.
#
#   examples/build-example-ledger.sh STORE_DIR
#
# Everything goes in through the residentlog command line, exactly as a resident would type
# it, so the result is an ordinary store that `residentlog --store STORE_DIR list` can read.
# The resident, the building, the landlord and every reference number are made up.
#
# The command to run is $RESIDENTLOG (default: residentlog). It is split on spaces, so
#   RESIDENTLOG="python3 -m residentlog" examples/build-example-ledger.sh /tmp/example
# also works. The script refuses to touch a directory that already holds a ledger.

set -eu

if [ "$#" -ne 1 ] || [ -z "$1" ]; then
    echo "usage: $0 STORE_DIR" >&2
    exit 2
fi
STORE=$1
if [ -e "$STORE/ledger.sqlite" ]; then
    echo "error: $STORE already holds a ledger (ledger.sqlite); choose a new directory" >&2
    exit 1
fi

RL=${RESIDENTLOG:-residentlog}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/residentlog-example.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

N=
R=
# rl ARGS...: run residentlog against the store.
rl() {
    # shellcheck disable=SC2086  # $RL is deliberately split ("python -m residentlog")
    $RL --store "$STORE" "$@"
}

# new VERB ARGS...: add or amend an entry; sets N to the entry's number and R to the number of
# the ledger record just written (the same for an add; for an amend, N is the entry corrected).
new() {
    verb=$1
    shift
    out=$(rl "$verb" "$@" --json) || exit 1
    N=$(printf '%s\n' "$out" | sed -n 's/^ *"number": *\([0-9][0-9]*\).*/\1/p' | head -n 1)
    R=$(printf '%s\n' "$out" | sed -n 's/^ *"record": *\([0-9][0-9]*\).*/\1/p' | head -n 1)
    if [ -z "$N" ] || [ -z "$R" ]; then
        echo "error: could not read the entry number from: $out" >&2
        exit 1
    fi
}

# add KIND SUMMARY [OPTIONS...]
add() {
    new add "$@"
    printf '  #%-3s %-14s %s\n' "$N" "$1" "$2"
}

# -- attachments: a tiny photo and a copy of an email -----------------------------------------

# A 1x1 grey PNG, standing in for a phone photo of the front door held open.
printf '\211\120\116\107\015\012\032\012\000\000\000\015\111\110\104\122\000\000\000\001\000\000\000\001\010\002\000\000\000\220\167\123\336\000\000\000\014\111\104\101\124\170\332\143\150\150\150\000\000\003\004\001\201\165\056\001\274\000\000\000\000\111\105\116\104\256\102\140\202' \
    >"$WORK/front-door-2019-09-02.png"

cat >"$WORK/stage-1-complaint-email.txt" <<'EOF'
From: Sam Resident <sam.resident@example.org>
To: Customer Care <complaints@example-housing.example>
Date: Mon, 19 Oct 2020 10:30:00 +0100
Subject: Formal complaint - Example House - lifts, front door, ASB, CCTV, service charges

Dear Customer Care Team,

I am making a formal complaint about Example House, 1 Sample Road.

1. Lift 2 has broken down 23 times since July 2019, despite the 2019
   refurbishment. On 14 December 2019 my neighbour and her two small children were
   trapped for nearly two hours.
2. The communal front door has not locked since September 2019: the magnets are too
   weak and anyone can push it open. I reported this ten times before it was made
   secure on 15 September 2020.
3. Youths have been getting in through the door. A replica gun and drugs were found
   in our bin store on 13 March 2020.
4. CCTV footage I asked for in February was deleted before it was looked at.
5. I am being charged for lift maintenance and door entry that did not work.

Please acknowledge this complaint and tell me when I will have a response.

Sam Resident
Flat 14, Example House
EOF

# -- profile ----------------------------------------------------------------------------------

rl init \
    --name "Sam Resident" \
    --address "Flat 14, Example House, 1 Sample Road, London E1 0AA" \
    --email "sam.resident@example.org" \
    --landlord "Example Housing Association" \
    --landlord-address "Customer Care, Example Housing Association, 2 Placeholder Street, London E2 0ZZ" \
    --tenancy-ref "EHA-000014" \
    --nation england

LIFT="Lift 2"
DOOR="Main entrance"

# -- 2019 -------------------------------------------------------------------------------------

add note "Landlord newsletter says the Example House lift refurbishment is complete" \
    --when "28 June 2019" \
    --details "June newsletter: 'Both lifts have been fully refurbished and should now be reliable.'"

add lift "Lift 2 out of service: ground-floor call button dead" \
    --when "8 July 2019 07:50" --case lift-2 --lift "$LIFT" --out-of-service \
    --location "Lift 2, ground floor" \
    --event reported --channel phone --ref landlord:LFT-10452
L_JUL=$N

add lift "Engineer reset the controller; Lift 2 back in service" \
    --when "9 July 2019 11:30" --case lift-2 --lift "$LIFT" --in-service \
    --event fixed --ref landlord:LFT-10452 --link "$L_JUL"

add lift "Lift 2 out of service again: doors opening and closing without moving" \
    --when "27 July 2019 19:15" --case lift-2 --lift "$LIFT" --out-of-service \
    --event recurred --link "$L_JUL"

add lift "Lift 2 stuck at 6th floor with doors shut" \
    --when "14 August 2019 08:05" --case lift-2 --lift "$LIFT" --out-of-service \
    --location "Lift 2, 6th floor" \
    --event reported --channel phone --ref landlord:LFT-10611

add lift "Lift 2 out of service: no lights in the car, paper notice taped to doors" \
    --when "2 September 2019 18:20" --case lift-2 --lift "$LIFT" --out-of-service

add door "Front door pushes open with a shove even when 'locked': magnets too weak" \
    --when "2 September 2019 21:30" --case front-door --door "$DOOR" \
    --location "Main entrance, ground floor" --category communal-door \
    --details "Pushed the closed door with one hand and it opened. Photo taken." \
    --attach "$WORK/front-door-2019-09-02.png"
D_FIRST=$N

add door "Reported front door not locking" \
    --when "3 September 2019 08:15" --case front-door --door "$DOOR" \
    --event reported --channel phone --priority emergency --category communal-door \
    --ref landlord:DR-20931 --link "$D_FIRST"

add door "Reported front door still not locking" \
    --when "19 September 2019 18:40" --case front-door --door "$DOOR" \
    --event reported --channel phone --priority emergency --category communal-door \
    --ref landlord:DR-21107
D_SEP=$N

add lift "Lift 2 out of service" \
    --when "21/09/2019 10:45" --case lift-2 --lift "$LIFT" --out-of-service \
    --event reported --channel phone --ref landlord:LFT-10877

add door "Contractor adjusted the door closer; door still pushes open" \
    --when "24 September 2019 14:10" --case front-door --door "$DOOR" \
    --event not-fixed --category communal-door --link "$D_SEP"

add door "Reported front door insecure (out-of-hours line)" \
    --when "8 October 2019 21:10" --case front-door --door "$DOOR" \
    --event reported --channel phone --priority emergency --category communal-door \
    --ref landlord:DR-21342

add lift "Lift 2 alarm bell ringing continuously; out of service" \
    --when "9 October 2019 07:30" --case lift-2 --lift "$LIFT" --out-of-service

add door "Reported front door insecure again" \
    --when "11 November 2019 07:55" --case front-door --door "$DOOR" \
    --event reported --channel phone --priority emergency --category communal-door \
    --ref landlord:DR-21690

# Entered with the wrong time (19:40); corrected by the amend near the end of this script.
add lift "Lift 2 out of service before the school run" \
    --when "12 November 2019 19:40" --case lift-2 --lift "$LIFT" --out-of-service \
    --event reported --channel phone --ref landlord:LFT-11204
L_NOV=$N

add damp "Black mould on bathroom ceiling and bedroom window reveal" \
    --when "18 November 2019 20:00" --rooms "bathroom, bedroom" --hazard significant

add lift "Lift 2 stopping between floors; out of service" \
    --when "28 November 2019 17:25" --case lift-2 --lift "$LIFT" --out-of-service

add lift "Neighbour and her two small children trapped in Lift 2 for nearly two hours" \
    --when "14 December 2019 16:20" --case lift-2 --lift "$LIFT" --out-of-service \
    --trapped 3 --trapped-minutes 110 --children 2 --location "Lift 2, between 3rd and 4th floors" \
    --event reported --channel phone --priority emergency --ref landlord:LFT-11530 \
    --details "Neighbour from Flat 9 with children aged 3 and 5. Emergency phone in the car did not connect; she called me from her mobile and I rang the landlord. Released at 18:10."
L_TRAP=$N

add lift "Engineer attended and released the family; lift left out of service" \
    --when "14 December 2019 18:10" --case lift-2 --lift "$LIFT" \
    --event attended --ref landlord:LFT-11530 --link "$L_TRAP"

add door "Reported front door insecure (online form)" \
    --when "16 December 2019 12:30" --case front-door --door "$DOOR" \
    --event reported --channel online --priority emergency --category communal-door \
    --ref landlord:DR-21977

# -- 2020 -------------------------------------------------------------------------------------

add lift "Lift 2 out of service again after the entrapment repair" \
    --when "2 January 2020 09:15" --case lift-2 --lift "$LIFT" --out-of-service \
    --event recurred --link "$L_TRAP"

add damp "Reported mould in bathroom and bedroom" \
    --when "6 January 2020 09:30" --rooms "bathroom, bedroom" --hazard significant \
    --event reported --channel phone --priority routine --ref landlord:DMP-4410

add lift "Lift 2 out of service" \
    --when "20 January 2020 17:50" --case lift-2 --lift "$LIFT" --out-of-service \
    --event reported --channel phone --ref landlord:LFT-11802
L_JAN=$N

add contact "Called Customer Service to chase the lift: told there was no record of my 20 January report" \
    --when "22 January 2020 10:20" --case lift-2 --channel phone --who "Customer Service Team" \
    --link "$L_JAN"

add door "Reported front door insecure" \
    --when "27 January 2020 19:05" --case front-door --door "$DOOR" \
    --event reported --channel phone --priority emergency --category communal-door \
    --ref landlord:DR-22310
D_JAN=$N

add lift "Lift 2 out of service" \
    --when "11 February 2020 08:20" --case lift-2 --lift "$LIFT" --out-of-service

add asb "Group of youths pushed the front door open and were smoking cannabis in the stairwell" \
    --when "14 February 2020 22:40" --case asb --witness first-hand \
    --location "Stairwell, 2nd floor" --link "$D_JAN" \
    --details "Five or six youths, not residents. They shoved the front door open; it did not hold."
A_FEB=$N

add asb "Reported the youths in the stairwell to the landlord" \
    --when "15 February 2020 10:05" --case asb \
    --event reported --channel phone --ref landlord:ASB-2041 --link "$A_FEB"

add cctv "Asked for entrance CCTV footage of 14 February, 22:30-23:30" \
    --when "16 February 2020 09:00" --case cctv --camera "Entrance lobby" \
    --event requested --channel email --link "$A_FEB"
C_FEB=$N

add door "Reported front door insecure by email, with the ASB incident" \
    --when "3 March 2020 14:00" --case front-door --door "$DOOR" \
    --event reported --channel email --priority emergency --category communal-door \
    --ref landlord:DR-22604

add lift "Lift 2 doors not closing; out of service" \
    --when "4 March 2020 13:10" --case lift-2 --lift "$LIFT" --out-of-service \
    --event reported --channel phone --ref landlord:LFT-12045

add repair "Bin store door lock broken; bin store cannot be locked" \
    --when "10 March 2020 16:00" --location "Bin store" --category bin-store \
    --event reported --channel phone --priority routine --ref landlord:REP-77310
R_BIN=$N

add asb "Replica gun and bag of drugs found stashed in the communal bins; called police" \
    --when "13 March 2020 16:30" --case asb --witness first-hand --tag bin-store \
    --location "Bin store" --event reported --channel phone \
    --police --safety-risk "replica gun and drugs hidden in the communal bins" \
    --ref police:CAD-4417-13MAR20 --link "$R_BIN" \
    --details "Found while putting rubbish out. Dialled 999; police attended and took both items."
A_GUN=$N

add asb "Reported the replica gun and drugs in the bin store to the landlord" \
    --when "14 March 2020 09:45" --case asb --tag bin-store \
    --event reported --channel email --ref landlord:ASB-2077 --link "$A_GUN"

add cctv "Asked for bin-store CCTV footage of 12-13 March for the police" \
    --when "14 March 2020 10:00" --case cctv --camera "Bin store" \
    --event requested --channel email --ref police:CAD-4417-13MAR20 --link "$A_GUN"
C_MAR=$N

add cctv "Told the 14 February footage was deleted after 30 days; never retrieved" \
    --when "20 March 2020 11:15" --case cctv --camera "Entrance lobby" \
    --event refused --channel phone --link "$C_FEB"

add lift "Lift 2 out of service in lockdown; elderly 9th-floor neighbours cannot get out" \
    --when "30 March 2020 19:40" --case lift-2 --lift "$LIFT" --out-of-service \
    --vulnerable "elderly 9th-floor neighbours who cannot use the stairs"

add service-charge "Charged for lift maintenance for 2020/21 while Lift 2 keeps failing" \
    --when "1 April 2020" --amount 312.48 --charge-year 2020/21 --service lifts
S_LIFT=$N

add service-charge "Charged for door entry maintenance for 2020/21 while the front door does not lock" \
    --when "1 April 2020" --amount 86.20 --charge-year 2020/21 --service "door entry"
S_DOOR=$N

add cctv "Landlord provided stills of two youths at the bin store; passed to police" \
    --when "9 April 2020 15:00" --case cctv --camera "Bin store" \
    --event provided --channel email --link "$C_MAR"

add lift "Lift 2 out of service" \
    --when "21 April 2020 10:00" --case lift-2 --lift "$LIFT" --out-of-service \
    --event reported --channel phone --ref landlord:LFT-12330
L_APR=$N

add lift "Engineer attended: part on order, lift not fixed" \
    --when "23 April 2020 14:00" --case lift-2 --lift "$LIFT" \
    --event not-fixed --ref landlord:LFT-12330 --link "$L_APR"

add lift "Lift 2 out of service again" \
    --when "12 May 2020 18:05" --case lift-2 --lift "$LIFT" --out-of-service \
    --event recurred --link "$L_APR"

add door "Reported front door insecure" \
    --when "15 May 2020 22:20" --case front-door --door "$DOOR" \
    --event reported --channel phone --priority emergency --category communal-door \
    --ref landlord:DR-23015

add lift "Lift 2 parked at ground floor after a fire alarm and never reset" \
    --when "3 June 2020 07:45" --case lift-2 --lift "$LIFT" --out-of-service \
    --event reported --channel phone --ref landlord:LFT-12611

add contact "Emailed the housing officer: nine months of reports and the front door still does not lock" \
    --when "4 June 2020 16:40" --case front-door --channel email --who "Housing Officer"

add lift "Lift 2 out of service" \
    --when "25 June 2020 21:30" --case lift-2 --lift "$LIFT" --out-of-service

add door "Reported front door insecure" \
    --when "6 July 2020 09:10" --case front-door --door "$DOOR" \
    --event reported --channel phone --priority emergency --category communal-door \
    --ref landlord:DR-23288

add lift "Lift 2 out of service; emergency phone in the car not working" \
    --when "16 July 2020 08:40" --case lift-2 --lift "$LIFT" --out-of-service \
    --event reported --channel phone --ref landlord:LFT-12910

add lift "Lift 2 out of service" \
    --when "7 August 2020 12:25" --case lift-2 --lift "$LIFT" --out-of-service

add door "Reported front door insecure" \
    --when "24 August 2020 17:45" --case front-door --door "$DOOR" \
    --event reported --channel phone --priority emergency --category communal-door \
    --ref landlord:DR-23540
D_AUG=$N

add lift "Lift 2 out of service again" \
    --when "29 August 2020 15:55" --case lift-2 --lift "$LIFT" --out-of-service \
    --event recurred

add asb "Neighbour saw youths force the front door and gather in the stairwell" \
    --when "29 August 2020 23:15" --case asb --witness reported --location "Stairwell, ground floor"

add door "New maglocks and stronger magnets fitted; front door now holds" \
    --when "15 September 2020 13:30" --case front-door --door "$DOOR" \
    --event fixed --category communal-door --link "$D_AUG"
D_FIXED=$N

add lift "Lift 2 out of service" \
    --when "18 September 2020 07:35" --case lift-2 --lift "$LIFT" --out-of-service \
    --event reported --channel phone --ref landlord:LFT-13420

add lift "Lift 2 out of service: 23rd breakdown since July 2019" \
    --when "14 October 2020 18:50" --case lift-2 --lift "$LIFT" --out-of-service \
    --event reported --channel phone --ref landlord:LFT-13688

add complaint "Stage 1 complaint: lifts, front door, ASB, CCTV and service charges" \
    --when "19 October 2020 10:30" --case complaint-1 --stage 1 --step raised --channel email \
    --attach "$WORK/stage-1-complaint-email.txt" \
    --link "$L_TRAP" --link "$D_AUG" --link "$A_GUN" --link "$C_FEB" --link "$S_LIFT" --link "$S_DOOR"
K_RAISED=$N

add contact "Called Customer Care: nobody had picked up my complaint" \
    --when "3 November 2020 11:05" --case complaint-1 --channel phone --who "Customer Care Team" \
    --link "$K_RAISED"

add complaint "Stage 1 complaint acknowledged, 16 working days after it was made" \
    --when "10 November 2020 14:20" --case complaint-1 --stage 1 --step acknowledged --channel email \
    --ref landlord:CMP-20-0871 --link "$K_RAISED"

add complaint "Stage 1 response: lifts not upheld ('five faults since refurbishment'); no apology" \
    --when "1 December 2020 16:45" --case complaint-1 --stage 1 --step responded --channel email \
    --ref landlord:CMP-20-0871 \
    --details "Says service charges are correct and nothing was recharged for repairs or ASB."
K_S1=$N

add complaint "Escalated to stage 2: landlord's lift records miss most of the faults" \
    --when "7 December 2020 09:10" --case complaint-1 --stage 2 --step escalated --channel email \
    --ref landlord:CMP-20-0871 --link "$K_S1"

add complaint "Stage 2 acknowledged" \
    --when "15 December 2020 12:00" --case complaint-1 --stage 2 --step acknowledged --channel email \
    --ref landlord:CMP-20-0871

# -- 2021 -------------------------------------------------------------------------------------

add complaint "Stage 2 response deadline extended by 10 working days" \
    --when "13 January 2021 15:30" --case complaint-1 --stage 2 --step extended --channel email \
    --ref landlord:CMP-20-0871

add door "Front door pushes open again: left-leaf magnet not holding" \
    --when "1 February 2021 21:00" --case front-door --door "$DOOR" \
    --event recurred --category communal-door --link "$D_FIXED"
D_AGAIN=$N

add door "Reported front door insecure again after the September repair" \
    --when "2 February 2021 08:30" --case front-door --door "$DOOR" \
    --event reported --channel phone --priority emergency --category communal-door \
    --ref landlord:DR-25102 --link "$D_AGAIN"

add complaint "Stage 2 final response: £100 offered for the door, lifts still 'no recurring problem'" \
    --when "3 February 2021 17:05" --case complaint-1 --stage 2 --step responded --channel email \
    --ref landlord:CMP-20-0871
K_S2=$N

add complaint "Referred the complaint to the Housing Ombudsman" \
    --when "8 March 2021 10:00" --case complaint-1 --stage 2 --step ombudsman --channel online \
    --ref landlord:CMP-20-0871 --ref ombudsman:202101234 --link "$K_S2"

add door "Reported front door insecure" \
    --when "22 April 2021 20:15" --case front-door --door "$DOOR" \
    --event reported --channel phone --priority emergency --category communal-door \
    --ref landlord:DR-25733

add door "Reported front door insecure by email" \
    --when "9 July 2021 11:00" --case front-door --door "$DOOR" \
    --event reported --channel email --priority emergency --category communal-door \
    --ref landlord:DR-26240

add contact "Emailed Customer Service asking for a date for a permanent door repair" \
    --when "30 September 2021 09:25" --case front-door --channel email --who "Customer Service Team"

add door "Reported front door insecure: 14th report since September 2019" \
    --when "12 October 2021 19:30" --case front-door --door "$DOOR" \
    --event reported --channel phone --priority emergency --category communal-door \
    --ref landlord:DR-26911

# -- a correction -----------------------------------------------------------------------------

new amend "$L_NOV" --when "12 November 2019 07:40" \
    --reason "Typed 19:40 instead of 07:40; my phone log shows the call at 07:43"
printf '  #%-3s correction of entry %s\n' "$R" "$N"

# -- check and checkpoint ---------------------------------------------------------------------

rl verify
rl checkpoint
