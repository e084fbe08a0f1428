"""send-after-recv0 on the fixed library: IOCount keeps the session until the send completion is handled.

The same client, content and two workers as ``send-after-recv0``; the
library counts the outstanding WSARecv and WSASend in IOCount and releases
at zero, so whichever worker handles its completion last releases the
session, once, and calls OnLeave once.  ``kernelsim explore
send-after-recv0-fixed`` finds no schedule that breaks an invariant within
its preemption bound.
"""

from kernelsim.netlib.catalogue import twin

globals().update(twin(__file__, "send_after_recv0", VARIANT="fixed"))
BREAKS = ()
TITLE = "Recv = 0, then the send completion: IOCount releases the session only at zero"
SEED_CORRECTION = [
    {"notes": "WSASend를 하면 Session포인터는 우리손에서 떠나게되고 ... RefCount가 0이되므로 이러한 방식은 적용이 "
              "불가능하다.",
     "windows": "A strong reference kept with the OVERLAPPED and dropped in the completion handler holds the "
                "session across WSASend: every pending request completes exactly once (B4), so the count drops "
                "exactly once.  That is the IOCount this library keeps, done by a smart pointer.",
     "ko": "OVERLAPPED와 함께 강한 참조(shared_ptr 등)를 들고 있다가 완료통지 처리에서 놓으면 WSASend 동안에도 "
           "세션이 유지됩니다. 보류된 요청은 정확히 한 번 완료되므로(B4) 참조도 정확히 한 번 줄어듭니다. 이 "
           "라이브러리의 IOCount를 스마트 포인터로 한 것과 같습니다.",
     "rule": "B4"},
]
