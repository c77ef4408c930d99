package io.github.pipeliningsmtp.autoconfigure;

/**
 * Default DSN requests, bound from {@code smtp.pipelining.dsn.*}; an Angus SMTPMessage's own
 * notify/return options override them.
 */
public class DsnProperties {

    /** When to notify: never, or any of success, failure, delay; the server's default when empty. */
    private java.util.List<io.github.pipeliningsmtp.client.DsnOptions.Notify> notify = new java.util.ArrayList<>();

    /** What a DSN returns: full or hdrs; the server's default when unset. */
    private io.github.pipeliningsmtp.client.DsnOptions.Ret ret;

    /** Whether to send each recipient's address as ORCPT. */
    private boolean orcpt;

    public java.util.List<io.github.pipeliningsmtp.client.DsnOptions.Notify> getNotify() {
        return notify;
    }

    public void setNotify(java.util.List<io.github.pipeliningsmtp.client.DsnOptions.Notify> notify) {
        this.notify = notify;
    }

    public io.github.pipeliningsmtp.client.DsnOptions.Ret getRet() {
        return ret;
    }

    public void setRet(io.github.pipeliningsmtp.client.DsnOptions.Ret ret) {
        this.ret = ret;
    }

    public boolean isOrcpt() {
        return orcpt;
    }

    public void setOrcpt(boolean orcpt) {
        this.orcpt = orcpt;
    }
}
