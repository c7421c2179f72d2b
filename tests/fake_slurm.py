"A fake SLURM for tests: `sbatch`, `srun`, `sacct`, `squeue` and `scontrol` that run a job array's tasks here, one after another"
import os, re, subprocess, sys
from pathlib import Path

STATE = Path(os.environ['FAKE_SLURM_DIR'])

def sbatch(script):
    text = Path(script).read_text()
    n = STATE/'next_id'; jid = int(n.read_text()) if n.exists() else 1000; n.write_text(str(jid+1))
    arr = re.search(r'#SBATCH --array=0-(\d+)', text)
    for i in range(int(arr.group(1))+1 if arr else 1): (STATE/f'{jid}_{i}').write_text('PENDING')
    subprocess.Popen([sys.executable, __file__, 'run', script, str(jid), str(int(arr.group(1))+1 if arr else 1)],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    print(f'Submitted batch job {jid}')

def run(script, jid, n):
    "Run the array's tasks one after another; a task asked to requeue (`scontrol requeue`) runs again"
    text = Path(script).read_text()
    out = re.search(r'#SBATCH --output=(\S+)', text).group(1)
    for i in range(int(n)):
        restarts = 0
        while True:
            (STATE/f'{jid}_{i}').write_text('RUNNING')
            env = dict(os.environ, SLURM_JOB_ID=f'{jid}', SLURM_ARRAY_JOB_ID=jid, SLURM_ARRAY_TASK_ID=str(i), SLURM_NTASKS='1',
                       SLURM_PROCID='0', SLURM_LOCALID='0', SLURM_NODEID='0', SLURM_JOB_NUM_NODES='1', SLURM_JOB_NODELIST='localhost',
                       **({'SLURM_RESTART_COUNT': str(restarts)} if restarts else {}))  # as SLURM: set once a job is requeued
            log = out.replace('%A', jid).replace('%a', str(i)).replace('%j', f'{jid}_{i}')
            Path(log).parent.mkdir(parents=True, exist_ok=True)
            with open(log, 'a') as f: subprocess.run(['bash', script], env=env, stdout=f, stderr=subprocess.STDOUT)
            rq = STATE/f'{jid}_{i}.requeue'
            if not rq.exists(): break
            rq.unlink(); (STATE/'requeued').open('a').write(f'{jid}_{i}\n'); restarts += 1
        (STATE/f'{jid}_{i}').write_text('COMPLETED')

def srun(args):
    i = 0
    while i < len(args) and args[i].startswith('-'): i += 2 if args[i] in ('--output', '--error', '--cpu-bind', '-o', '-e') else 1
    os.execvp(args[i], args[i:])

def sacct(args):
    ids = args[args.index('-j')+1].split(',') if '-j' in args else []
    print('JobID|State|NodeList')
    for f in sorted(STATE.glob('*_*')):
        if f.suffix or not f.name[0].isdigit(): continue
        if not ids or f.name in ids or f.name.split('_')[0] in ids: print(f'{f.name}|{f.read_text()}|localhost')

def squeue(args):
    j = args[args.index('-j')+1]
    f = STATE/(j if '_' in j else f'{j}_0')
    if f.exists() and f.read_text() in ('PENDING', 'RUNNING'): print(f.read_text())

def scontrol(args):
    assert args[0]=='requeue', args
    (STATE/f'{args[1]}.requeue').touch()

if __name__ == '__main__':
    cmd, args = Path(sys.argv[0]).name, sys.argv[1:]
    if cmd=='fake_slurm.py': cmd, args = args[0], args[1:]
    dict(sbatch=lambda a: sbatch(a[-1]), run=lambda a: run(*a), srun=srun, sacct=sacct, squeue=squeue, scontrol=scontrol)[cmd](args)
